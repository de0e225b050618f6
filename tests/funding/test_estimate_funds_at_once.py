"""An estimate at or below the money already held for a problem funds it at once and for good, so the
official confirms it first (found from outside: EUR 5.00 typed for EUR 500.00 committed EUR 55.00 to
the fix, mailed every backer "Funded" and locked the estimate)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

from app.extensions import db
from app.models import Issue
from tests.backing_fixtures import Backers, backers  # noqa: F401


def problem_with_money_held(backers: Backers) -> int:
    issue_id = backers.problem(cost_cents=80_000)
    backers.period(backer_cap_cents=10_000)
    for cents in (3_000, 2_500):
        backers.back(backers.resident(), issue_id, cents)
    assert set(backers.statuses(issue_id).values()) == {"held"}
    return issue_id


def estimate_of(backers: Backers, issue_id: int) -> int | None:
    with backers.app.app_context():
        return db.session.get(Issue, issue_id).cost_estimate_cents


def test_the_api_asks_for_fund_now_before_an_estimate_funds_the_problem(backers: Backers, auth) -> None:
    issue_id = problem_with_money_held(backers)
    headers = auth.headers(role="official")
    url = f"/api/v1/issues/{issue_id}/estimate"

    refused = backers.app.test_client().put(url, json={"cost_cents": 500}, headers=headers)

    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["field"] == "fund_now"
    assert error["message"].startswith(
        f"An estimate of EUR 5.00 funds problem #{issue_id} at once: the EUR 55.00 held for it is committed "
        "to its fix, EUR 50.00 more than the estimate"
    )
    assert estimate_of(backers, issue_id) == 80_000
    assert set(backers.statuses(issue_id).values()) == {"held"}
    assert backers.issue_status(issue_id) == "new"

    wrong = backers.app.test_client().put(url, json={"cost_cents": 500, "fund_now": "yes"}, headers=headers)
    assert (wrong.status_code, wrong.get_json()["error"]["field"]) == (422, "fund_now")
    # An estimate above what is held funds nothing, so it needs no confirmation.
    above = backers.app.test_client().put(url, json={"cost_cents": 60_000}, headers=headers)
    assert above.status_code == 200
    assert set(backers.statuses(issue_id).values()) == {"held"}

    funded = backers.app.test_client().put(url, json={"cost_cents": 5_500, "fund_now": True}, headers=headers)

    assert funded.status_code == 200
    assert estimate_of(backers, issue_id) == 5_500
    assert set(backers.statuses(issue_id).values()) == {"committed"}
    assert backers.issue_status(issue_id) == "planned"
    backers.ledger_ok()


def test_the_issue_page_says_what_is_held_and_saves_only_once_funding_is_confirmed(
    backers: Backers, auth
) -> None:
    issue_id = problem_with_money_held(backers)
    auth.login_as(auth.make_user(role="official"))
    page = auth.client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "EUR 55.00 is held for this problem: an estimate at or below it funds the problem at once" in page
    url = f"/staff/issues/{issue_id}/estimate"

    refused = auth.client.post(
        url, data={"cost": "5", "csrf_token": auth.csrf_token()}, follow_redirects=True
    )

    said = refused.get_data(as_text=True)
    assert "Estimated cost saved" not in said
    assert f"The estimate was not saved: An estimate of EUR 5.00 funds problem #{issue_id} at once" in said
    assert 'name="cost" type="text" value="5"' in said  # what was typed, to tick the box and save again
    assert "To save it, tick “Yes, fund it now”" in said  # the box, by its label
    assert estimate_of(backers, issue_id) == 80_000
    assert set(backers.statuses(issue_id).values()) == {"held"}

    confirmed = auth.client.post(
        url, data={"cost": "55", "fund_now": "y", "csrf_token": auth.csrf_token()}, follow_redirects=True
    )

    assert "Estimated cost saved: EUR 55.00" in confirmed.get_data(as_text=True)
    assert set(backers.statuses(issue_id).values()) == {"committed"}
    backers.ledger_ok()
