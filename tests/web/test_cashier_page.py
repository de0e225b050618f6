"""The shipped payment provider on the web: a resident's backing waits with instructions on the problem
page, the city's cashier lists it on /staff/backings and confirms it (CSRF, a "Yes, ..." step), and the
progress bar moves; cancelling moves nothing."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from budgets.accounts import escrow_account
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)


def html_of(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def back_pending(client, auth, backers: Backers, app, cents: str = "12.00") -> tuple[int, int]:
    app.config["PAYMENT_PROVIDER"] = "treasurer-confirmed"
    issue_id = backers.problem(cost_cents=10_000)
    auth.login_as(backers.resident())
    body = {"amount": cents, "fallback": "refund", "idempotency_key": "web-1"}
    assert client.post(f"/issues/{issue_id}/back", data=body).status_code == 302
    (backing_id,) = backers.statuses(issue_id)
    return issue_id, backing_id


def test_a_pending_backing_shows_whom_to_pay_and_the_cashier_confirms_it(client, auth, backers, app) -> None:
    issue_id, backing_id = back_pending(client, auth, backers, app)
    html = html_of(client, f"/issues/{issue_id}")
    assert "waits for its money" in html  # the flash after backing
    assert f'Pay EUR 12.00 with reference <span class="backing__ref">CF-B{backing_id}</span>' in html
    assert "city hall cash desk" in html
    assert 'data-testid="pending-cents">EUR 12.00<' in html
    assert re.search(r'<progress id="backing-progress"[^>]*value="0"', html)
    assert "waiting for the cashier" in html

    auth.login_as(backers.resident(role="official"))
    staff = html_of(client, "/staff/backings")
    assert f"CF-B{backing_id}" in staff
    assert "Yes, confirm" in staff
    url = f"/staff/backings/{backing_id}/confirm"
    assert client.post(url, data={}).status_code == 302  # without "Yes": nothing changes
    assert backers.statuses(issue_id) == {backing_id: "pending"}
    done = client.post(url, data={"confirm": "yes"}, follow_redirects=True)
    assert f"Backing CF-B{backing_id} confirmed: EUR 12.00" in done.get_data(as_text=True)
    assert backers.statuses(issue_id) == {backing_id: "held"}
    assert backers.balance(escrow_account(issue_id)) == 1_200
    assert re.search(
        r'<progress id="backing-progress"[^>]*value="1200"', html_of(client, f"/issues/{issue_id}")
    )
    again = client.post(url, data={"confirm": "yes"}, follow_redirects=True)
    assert "is held, not pending" in again.get_data(as_text=True)
    assert "No backing is waiting for its money." in html_of(client, "/staff/backings")


def test_the_cashier_cancels_and_nothing_moves(client, auth, backers, app) -> None:
    issue_id, backing_id = back_pending(client, auth, backers, app)
    before = backers.counts()
    auth.login_as(backers.resident(role="admin"))
    done = client.post(f"/staff/backings/{backing_id}/cancel", data={"confirm": "yes"}, follow_redirects=True)
    assert f"Backing CF-B{backing_id} is cancelled" in done.get_data(as_text=True)
    assert backers.statuses(issue_id) == {backing_id: "cancelled"}
    assert backers.counts() == before


@pytest.mark.config(WTF_CSRF_ENABLED=True)
def test_confirming_needs_the_csrf_token(client, auth, backers, app) -> None:
    issue_id = backers.problem()
    app.config["PAYMENT_PROVIDER"] = "treasurer-confirmed"
    user = backers.resident()
    auth.login_as(user)
    page = html_of(client, f"/issues/{issue_id}")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    body = {"amount": "5.00", "fallback": "refund", "idempotency_key": "csrf-1", "csrf_token": token[1]}
    assert client.post(f"/issues/{issue_id}/back", data=body).status_code == 302
    (backing_id,) = backers.statuses(issue_id)
    auth.login_as(backers.resident(role="official"))
    forged = client.post(f"/staff/backings/{backing_id}/confirm", data={"confirm": "yes"})
    assert forged.status_code == 400  # the app's CSRF check refuses it before the view
    assert backers.statuses(issue_id) == {backing_id: "pending"}


def test_once_waiting_backings_cover_the_cost_the_page_says_so_instead_of_the_form(
    client, auth, backers, app
) -> None:
    backers.period(backer_cap_cents=10_000)
    issue_id, _ = back_pending(client, auth, backers, app, cents="60.00")
    auth.login_as(backers.resident())
    html = html_of(client, f"/issues/{issue_id}")
    assert "from one resident; its cost takes EUR 40.00 more." in html

    body = {"amount": "40.00", "fallback": "refund", "idempotency_key": "web-2"}
    assert client.post(f"/issues/{issue_id}/back", data=body).status_code == 302

    auth.login_as(backers.resident())
    html = html_of(client, f"/issues/{issue_id}")
    assert 'data-testid="backing-closed"' in html
    assert "Backings waiting for the cashier cover the rest of its cost." in html
    assert f'action="/issues/{issue_id}/back"' not in html
    # Found from outside: of two residents backing the last part at once, the one who lost landed on
    # the page without the form and no word that nothing was recorded.
    late = client.post(f"/issues/{issue_id}/back", data={**body, "idempotency_key": "web-3"})
    assert late.status_code == 422
    refused = late.get_data(as_text=True).split('data-testid="backing-not-recorded"')[1].split("</div>")[0]
    assert "Your backing was not recorded" in refused
    assert "Backings waiting for the cashier (EUR 100.00) already cover the rest of its cost" in refused


def test_a_resident_who_gave_the_most_one_may_is_told_so_instead_of_the_form(
    client, auth, backers, app
) -> None:
    backers.period(backer_cap_cents=5_000)
    issue_id, _ = back_pending(client, auth, backers, app, cents="20.00")
    html = html_of(client, f"/issues/{issue_id}")
    assert "up to EUR 50.00 from one resident, so EUR 30.00 more from you." in html

    body = {"amount": "30.00", "fallback": "refund", "idempotency_key": "web-2"}
    assert client.post(f"/issues/{issue_id}/back", data=body).status_code == 302

    html = html_of(client, f"/issues/{issue_id}")
    assert "You have backed it with EUR 50.00, the most one resident may." in html
    assert f'action="/issues/{issue_id}/back"' not in html


def test_the_cashier_looks_up_a_reference_whatever_its_backing_became(client, auth, backers, app) -> None:
    """Found from outside: a resident paid, then deleted their account; the pending backing was
    cancelled and vanished from the cashier's list, so the transfer quoting it matched nothing."""
    issue_id, backing_id = back_pending(client, auth, backers, app)
    auth.login_as(backers.resident(role="official"))
    client.post(f"/staff/backings/{backing_id}/cancel", data={"confirm": "yes"})

    found = html_of(client, f"/staff/backings?reference=cf-b {backing_id}")

    shown = found.split('data-testid="reference-found"')[1].split("</div>")[0]
    assert f"CF-B{backing_id}</strong> · EUR 12.00" in shown
    assert f'href="/issues/{issue_id}#backing"' in shown
    assert "it can no longer be confirmed. Return money that arrives for it to whoever paid it." in shown
    missing = html_of(client, "/staff/backings?reference=CF-B999999")
    assert "No backing has the reference CF-B999999" in missing
    nonsense = html_of(client, "/staff/backings?reference=%3Cscript%3E")
    assert "No backing has the reference &lt;script&gt;" in nonsense
    for beyond in (
        "CF-B99999999999",
        "CF-B2147483648",
        "CF-B\u0661\u0662",
    ):  # past the id column, other digits
        assert "No backing has the reference" in html_of(client, f"/staff/backings?reference={beyond}")
