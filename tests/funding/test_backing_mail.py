"""What a backer hears when their backing ends without paying for the fix, and how the audit log reads
the campaign's own acts. Found from outside: a problem the city closed told its backers it "was not
funded", a backer still waiting for the cashier heard nothing, and the log said "a former user did
“backing.unback”"."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.jobs.backing_settlement import settle_due_at
from app.models import User
from app.models.timestamps import utcnow
from app.services.workflow import status_changes
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.funding.test_backing_settlement import official
from tests.funding.test_pending_backings import back, shipped


def mails_to(outbox, user: User, *, how_to_pay: bool = False) -> list[tuple[str, str]]:
    """The backer's mails (without the "How to pay" one a backing at the cashier starts with)."""
    found = [(str(m["Subject"]), m.get_content()) for m in outbox() if m["To"] == user.email]
    return [(s, b) for s, b in found if s.startswith("How to pay") == how_to_pay]


def test_closing_a_backed_problem_says_the_city_closed_it_to_held_and_waiting_backers(
    backers: Backers, app, client, auth, outbox
) -> None:
    issue_id = backers.problem(title="Loose kerb on Mill Lane")
    held, waiting = backers.resident(), backers.resident()
    backers.back(held, issue_id, 900)
    shipped(app)
    waiting_id = back(client, issue_id, 500, auth.headers(waiting), "w").get_json()["id"]
    staff = official(app)
    with app.app_context():
        actor = db.session.get(User, staff.id)
        status_changes.change_status(db.session, actor, issue_id, "closed", "Not the city's road")
        db.session.commit()

    [(subject, body)] = mails_to(outbox, held)
    assert subject == "“Loose kerb on Mill Lane” was closed: your backing is refunded"
    assert "Your backing of EUR 9.00 for problem" in body
    assert "The city marked it “Closed” before the backings covered its cost." in body
    assert "not funded" not in subject + body
    [(subject, body)] = mails_to(outbox, waiting)
    assert subject == "Your backing of “Loose kerb on Mill Lane” is cancelled"
    assert "was waiting for the city's cashier to confirm your payment" in body
    assert "The city marked it “Closed”" in body
    assert f"quote your payment reference CF-B{waiting_id} to the city's cashier" in body

    auth.login_as(backers.resident(role="admin"))
    log = client.get("/staff/admin/audit").get_data(as_text=True)
    campaign = "<strong>Commonfix (the campaign&#39;s rule)</strong>"
    returned = f"returned the EUR 9.00 held for #{issue_id} to its backers: the problem was closed"
    assert f"{campaign} {returned}" in log
    assert f"{campaign} cancelled 1 backing on #{issue_id} still waiting for the cashier" in log
    assert "a former user" not in log
    assert "did “" not in log  # the fallback for actions without words


def test_a_campaign_that_ends_short_says_so_and_the_cashiers_cancel_is_told(
    backers: Backers, app, client, auth, outbox
) -> None:
    period_id = backers.period()
    issue_id = backers.problem(title="Dark underpass")
    held, cancelled = backers.resident(), backers.resident()
    backers.back(held, issue_id, 1_200)
    shipped(app)
    cancelled_id = back(client, issue_id, 300, auth.headers(cancelled), "c").get_json()["id"]

    refused = client.post(
        f"/api/v1/backings/{cancelled_id}/cancellation", headers=auth.headers(role="official")
    )
    assert refused.status_code == 200
    [(subject, body)] = mails_to(outbox, cancelled)
    assert subject == "Your backing of “Dark underpass” is cancelled"
    assert "The city's cashier cancelled it." in body
    assert f"CF-B{cancelled_id}" in body

    backers.end_period(period_id, utcnow() - timedelta(minutes=1))
    with app.app_context():
        assert settle_due_at(utcnow()) == {issue_id: "unbacked"}
    [(subject, body)] = mails_to(outbox, held)
    assert subject == "“Dark underpass” was not funded: your backing is refunded"
    assert "Its campaign ended before the backings covered its cost." in body


def test_the_cashiers_confirmation_is_a_receipt(backers: Backers, app, client, auth, outbox) -> None:
    """Found from outside: a backer who paid by transfer heard nothing when the money was confirmed,
    only when the campaign ended."""
    issue_id = backers.problem(title="Broken swing", cost_cents=50_000)
    backer = backers.resident()
    shipped(app)
    backing_id = back(client, issue_id, 700, auth.headers(backer), "r").get_json()["id"]
    assert mails_to(outbox, backer) == []
    # Found from outside: where to pay and the reference were shown once, on the page, never mailed.
    [(subject, body)] = mails_to(outbox, backer, how_to_pay=True)
    assert subject == f"How to pay your backing of “Broken swing” (CF-B{backing_id})"
    assert f"You backed problem #{issue_id} “Broken swing” with EUR 7.00." in body
    assert f"CF-B{backing_id}" in body
    assert "you can withdraw it on your account page" in body
    # Found from outside: the instructions' "counts once the cashier confirms" was said a second time.
    assert body.count("confirms the money arrived") == 1

    confirmed = client.post(
        f"/api/v1/backings/{backing_id}/confirmation", headers=auth.headers(role="official")
    )

    assert confirmed.status_code == 200
    [(subject, body)] = mails_to(outbox, backer)
    assert subject == "Your backing of “Broken swing” arrived"
    receipt = f"confirmed your payment of EUR 7.00 for problem #{issue_id} “Broken swing”"
    assert f"{receipt} (reference CF-B{backing_id})" in body
    assert "if the campaign ends short, it comes back to you." in body
