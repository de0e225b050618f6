"""The problem page's backing panel: progress towards the cost in words, the form, and its errors."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

import re

import pytest

from budgets.accounts import escrow_account
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)


def page(client, issue_id: int) -> str:
    response = client.get(f"/issues/{issue_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_costed_problem_shows_progress_in_words_and_the_form(client, auth, backers: Backers) -> None:
    issue_id = backers.problem(cost_cents=12_000)
    backers.back(backers.resident(), issue_id, 2_500)
    backers.match(issue_id, 1_500)
    html = page(client, issue_id)
    assert re.search(r'<progress id="backing-progress"[^>]*max="12000" value="4000"', html)
    shown = re.search(r'data-testid="backing-words">(.*?)</p>', html, re.DOTALL)
    assert shown is not None
    words = " ".join(re.sub(r"<[^>]+>", " ", shown[1]).split())
    assert words == "Backed by residents EUR 25.00 · city match posted EUR 15.00 · cost EUR 120.00"
    assert 'data-testid="backers">1<' in html
    assert "Log in to back this problem" in html  # anonymous: no form, a way in

    # Nothing matched yet is not said: beside "the city adds ..." it read as a contradiction.
    unmatched = backers.problem(cost_cents=12_000)
    shown = re.search(r'data-testid="backing-words">(.*?)</p>', page(client, unmatched), re.DOTALL)
    assert shown is not None
    words = " ".join(re.sub(r"<[^>]+>", " ", shown[1]).split())
    assert words == "Backed by residents EUR 0.00 · cost EUR 120.00"

    auth.login_as(backers.resident())
    html = page(client, issue_id)
    assert '<label class="field__label" for="amount">Amount to back it with (EUR)</label>' in html
    assert (
        "For example 5.00: from EUR 1.00 up to EUR 100.00 from one resident; its cost takes EUR 80.00 more."
        in html
    )
    assert "<legend>If it is not funded</legend>" in html
    assert "Refund me" in html
    assert "Move it to this area&#39;s pool" not in html  # Old Town has no group pool yet

    # Less than the smallest backing left: the hint asks for exactly that (found from outside: it
    # read "For example 5.00: from EUR 0.50 up to EUR 50.00").
    almost = backers.problem(cost_cents=2_050)
    backers.back(backers.resident(), almost, 2_000)
    assert "Its cost takes EUR 0.50 more: back it with that." in page(client, almost)


def test_an_uncosted_problem_has_no_backing_panel(client, backers: Backers) -> None:
    assert 'id="backing"' not in page(client, backers.problem(cost_cents=0))


def test_backing_from_the_page_holds_the_money_and_says_so(client, auth, backers: Backers) -> None:
    issue_id = backers.problem(cost_cents=12_000)
    user = backers.resident()
    auth.login_as(user)
    body = {"amount": "7.50", "fallback": "refund", "show_name": "y", "idempotency_key": "page-1"}
    response = client.post(f"/issues/{issue_id}/back", data=body)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/issues/{issue_id}#backing")
    again = client.post(f"/issues/{issue_id}/back", data=body)  # a double tap: the same key
    assert again.status_code == 302
    assert backers.balance(escrow_account(issue_id)) == 750
    html = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "You back this problem with EUR 7.50" in html
    assert "Your backings" in html
    assert 'data-testid="backers">1<' in html


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "more than zero"),
        ("-5", "Amount"),
        ("5.555", "Amount"),
        ("abc", "Amount"),
        ("100.01", "at most EUR 100.00"),
    ],
)
def test_bad_amounts_are_shown_on_the_field_and_nothing_is_stored(
    client, auth, backers: Backers, amount: str, message: str
) -> None:
    issue_id = backers.problem()
    auth.login_as(backers.resident())
    data = {"amount": amount, "fallback": "refund", "idempotency_key": f"bad-{amount}"}
    response = client.post(f"/issues/{issue_id}/back", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="amount-error"' in html
    assert message in html.split('id="amount-error">')[1].split("</p>")[0]
    assert 'aria-invalid="true"' in html
    assert backers.counts() == (0, 0, 0)


def test_a_closed_problem_shows_no_form_and_refuses_a_sent_one(client, auth, backers: Backers) -> None:
    issue_id = backers.problem(status="closed")
    auth.login_as(backers.resident())
    assert f'action="/issues/{issue_id}/back"' not in page(client, issue_id)
    data = {"amount": "5.00", "fallback": "refund", "idempotency_key": "closed-1"}
    response = client.post(f"/issues/{issue_id}/back", data=data)
    assert response.status_code == 409
    assert "This problem is closed: it cannot be backed." in response.get_data(as_text=True)
    assert backers.counts() == (0, 0, 0)
