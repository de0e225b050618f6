"""Cost estimates: officials set them through the API; bad amounts and residents are refused."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, User
from app.services.workspace.audit_phrases import Facts
from app.services.workspace.audit_words import describe
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_payouts import funded_issue
from tests.funding_fixtures import funding  # noqa: F401


def estimate_of(app: Flask, issue_id: int) -> int | None:
    with app.app_context():
        return db.session.get(Issue, issue_id).cost_estimate_cents


def test_an_official_sets_an_estimate(client, app, auth, make_issue) -> None:
    issue = make_issue()
    headers = auth.headers(role="official")

    response = client.put(f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": 125000}, headers=headers)

    assert response.status_code == 200
    assert response.get_json() == {"issue_id": issue.id, "cost_cents": 125000}
    assert estimate_of(app, issue.id) == 125000
    again = client.put(f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": 9900}, headers=headers)
    assert again.get_json()["cost_cents"] == 9900
    assert estimate_of(app, issue.id) == 9900


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (0, "more than zero"),
        (-5, "more than zero"),
        (12.5, "whole number"),
        ("abc", "whole number"),
        (None, "whole number"),
        (True, "whole number"),
        (10**12, "at most"),
    ],
)
def test_bad_estimates_name_the_field_and_store_nothing(
    client, app, auth, make_issue, value: Any, reason: str
) -> None:
    issue = make_issue()
    response = client.put(
        f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": value}, headers=auth.headers(role="admin")
    )

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "cost_cents"
    assert reason in error["message"]
    assert estimate_of(app, issue.id) is None


def test_residents_and_anonymous_users_cannot_estimate(client, app, auth, make_issue) -> None:
    issue = make_issue()
    anonymous = client.put(f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": 100})
    resident = client.put(
        f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": 100}, headers=auth.headers()
    )

    assert anonymous.status_code == 401
    assert resident.status_code == 403
    assert resident.get_json()["error"]["code"] == "forbidden"
    assert estimate_of(app, issue.id) is None


def test_an_unknown_issue_is_404(client, auth) -> None:
    response = client.put(
        "/api/v1/issues/999999/estimate", json={"cost_cents": 100}, headers=auth.headers(role="official")
    )
    assert response.status_code == 404


def test_the_problem_page_shows_the_estimate_with_its_currency(client, app, auth, make_issue) -> None:
    issue = make_issue()
    headers = auth.headers(role="official")
    assert (
        client.put(
            f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": 125000}, headers=headers
        ).status_code
        == 200
    )
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert 'data-testid="estimate">EUR 1,250.00</p>' in page


def test_a_funded_problems_estimate_no_longer_changes(world: RoundWorld) -> None:
    """Found from outside: an official changed a funded problem's estimate from 3000 to 100."""
    issue_id = funded_issue(world)  # EUR 30.00 committed by a certified round
    assert world.official is not None
    headers = world.headers(world.official)
    before = estimate_of(world.app, issue_id)

    response = world.client.put(
        f"/api/v1/issues/{issue_id}/estimate", json={"cost_cents": 100}, headers=headers
    )

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["field"] == "cost_cents"
    assert "is funded: EUR 30.00 is committed" in error["message"]
    assert estimate_of(world.app, issue_id) == before == 3000


def test_a_blocked_official_sets_no_estimate(client, app, auth, make_issue, make_user) -> None:
    issue = make_issue()
    official = make_user(role="official")
    headers = auth.headers(official)
    with app.app_context():
        db.session.get(User, official.id).is_blocked = True
        db.session.commit()

    response = client.put(f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": 5000}, headers=headers)

    assert response.status_code in (401, 403)
    assert estimate_of(app, issue.id) is None


def test_each_change_of_estimate_is_on_the_audit_log_in_words(client, app, auth, make_issue) -> None:
    """Found from outside: an estimate changed mid-campaign (what backers read it costs) left no trace."""
    issue = make_issue()
    headers = auth.headers(role="official")
    for cents in (125050, 125050, 40000):  # the second sets the same estimate: nothing changes
        assert client.put(f"/api/v1/issues/{issue.id}/estimate", json={"cost_cents": cents}, headers=headers)
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "issue.estimate").order_by(AuditEntry.id)
        ).all()
        assert [(e.details["previous_cents"], e.details["amount_cents"]) for e in entries] == [
            (None, 125050),
            (125050, 40000),
        ]
        words = [describe(Facts(e.action, e.target_type, e.target_id, e.details), {}).text for e in entries]
    assert words == [
        f"set the cost estimate of #{issue.id} to EUR 1,250.50 (it had none)",
        f"set the cost estimate of #{issue.id} to EUR 400.00 (was EUR 1,250.50)",
    ]


def test_a_merged_duplicate_takes_no_estimate(client, app, auth, make_issue) -> None:
    """Found from outside: a duplicate merged into another problem took an estimate (shown on its page)
    that no round or backer could use: they fund the original."""
    original, duplicate = make_issue(), make_issue()
    headers = auth.headers(role="official")
    merged = client.post(
        f"/api/v1/issues/{duplicate.id}/duplicate-of", json={"original_id": original.id}, headers=headers
    )
    assert merged.status_code == 200
    refused = client.put(
        f"/api/v1/issues/{duplicate.id}/estimate", json={"cost_cents": 10000}, headers=headers
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["field"] == "cost_cents"
    assert f"merged into problem #{original.id}" in refused.get_json()["error"]["message"]
    assert estimate_of(app, duplicate.id) is None


def test_the_saved_estimate_says_whether_the_problem_can_be_a_candidate(
    client, app, auth, make_issue, make_user
) -> None:
    """Found from outside: a fixed or hidden problem's estimate was followed by "The problem can now be a
    funding candidate", which only an open, visible problem can be."""
    open_one, fixed, hidden = make_issue(), make_issue(status="fixed"), make_issue()
    with app.app_context():
        db.session.get(Issue, hidden.id).is_hidden = True
        db.session.commit()
    auth.login(make_user(role="official").email)

    def saved(issue_id: int) -> str:
        page = client.post(f"/staff/issues/{issue_id}/estimate", data={"cost": "100"}, follow_redirects=True)
        return " ".join(page.get_data(as_text=True).split())

    assert "EUR 100.00. The problem can now be a funding candidate." in saved(open_one.id)
    assert "It is not a funding candidate now (marked “Fixed”: it is fixed already)." in saved(fixed.id)
    assert "It is not a funding candidate now (hidden by the moderators)." in saved(hidden.id)
    assert estimate_of(app, fixed.id) == estimate_of(app, hidden.id) == 10000  # saved all the same
