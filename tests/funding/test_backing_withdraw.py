"""A backer withdraws their own backing while it waits for the city's cashier, from the problem page or
My Commonfix: cancelled, nothing posted, audited; nobody else's, and not once the cashier acted.
Found from outside: a mistaken 0.50 could only be freed by the cashier, and promises nobody paid kept
a problem's last room taken."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.funding.test_pending_backings import back, postings, shipped


def test_a_backer_withdraws_a_backing_waiting_for_the_cashier(backers: Backers, app, client, auth) -> None:
    shipped(app)
    issue_id = backers.problem(title="Broken swing")
    backer, other = backers.resident(), backers.resident()
    mistaken = back(client, issue_id, 150, auth.headers(backer), "a").get_json()["id"]
    kept = back(client, issue_id, 500, auth.headers(backer), "b").get_json()["id"]
    auth.login_as(backer)
    page = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert f'action="/issues/backings/{mistaken}/withdraw' in page
    assert f"quote CF-B{mistaken} to the city&#39;s cashier" in page
    mine = client.get("/account").get_data(as_text=True)
    assert f'data-testid="withdraw-backing-{mistaken}"' in mine

    done = client.post(
        f"/issues/backings/{mistaken}/withdraw?next=/account%23money",
        data={"confirm": "yes"},
        follow_redirects=True,
    )

    assert "Your backing of EUR 1.50 is withdrawn" in done.get_data(as_text=True)
    assert backers.statuses(issue_id) == {mistaken: "cancelled", kept: "pending"}
    assert postings(app, mistaken) == 0
    again = client.post(
        f"/issues/backings/{mistaken}/withdraw", data={"confirm": "yes"}, follow_redirects=True
    )
    assert "is cancelled, no longer waiting for the cashier: it can no longer be withdrawn" in again.get_data(
        as_text=True
    )
    auth.login_as(other)
    assert client.post(f"/issues/backings/{kept}/withdraw", data={"confirm": "yes"}).status_code == 403
    assert client.post("/issues/backings/999999/withdraw", data={"confirm": "yes"}).status_code == 404
    assert backers.statuses(issue_id) == {mistaken: "cancelled", kept: "pending"}
    with app.app_context():
        withdrawn = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "backing.withdraw")
        ).all()
        assert [(a.actor_id, a.target_id) for a in withdrawn] == [(backer.id, str(mistaken))]


def test_a_backer_withdraws_through_the_api_and_the_audit_log_says_so(
    backers: Backers, app, client, auth
) -> None:
    shipped(app)
    issue_id = backers.problem()
    backer = backers.resident()
    backing_id = back(client, issue_id, 300, auth.headers(backer), "a").get_json()["id"]
    assert client.post(f"/api/v1/backings/{backing_id}/withdraw", headers=auth.headers()).status_code == 403

    done = client.post(f"/api/v1/backings/{backing_id}/withdraw", headers=auth.headers(backer))

    assert done.status_code == 200
    assert done.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/backings/{backing_id}/withdraw", headers=auth.headers(backer))
    assert (again.status_code, again.get_json()["error"]["field"]) == (409, "backing_id")
    auth.login_as(backers.resident(role="admin"))
    log = client.get("/staff/admin/audit").get_data(as_text=True)
    assert f"withdrew their backing CF-B{backing_id} of EUR 3.00 for #{issue_id}" in log
