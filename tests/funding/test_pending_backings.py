"""Backing with the shipped payment provider: the backing waits `pending` (nothing posted, the resident
told whom to pay), the city's cashier confirms it (posted once, then settled) or cancels it (nothing
moves); settlement cancels pending backings of closed problems and ended campaigns. Both engines."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.jobs.backing_settlement import settle_due_at
from app.models import AuditEntry, LedgerPosting, User
from app.models.timestamps import utcnow
from app.services.funding import backing_confirmation, quadratic_match
from app.services.kernel.errors import Conflict
from app.services.mydata import deletion
from app.services.workflow import status_changes
from budgets.accounts import escrow_account, resident_account
from tests import factories
from tests.backing_fixtures import backers  # noqa: F401  (fixture)
from tests.funding.test_backing_settlement import official


def back(client, issue_id, cents, headers, key):
    return client.post(
        f"/api/v1/issues/{issue_id}/backings",
        json={"amount_cents": cents},
        headers={**headers, "Idempotency-Key": key},
    )


def shipped(app) -> None:
    app.config["PAYMENT_PROVIDER"] = "treasurer-confirmed"


def postings(app, backing_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count()).select_from(LedgerPosting).where(LedgerPosting.backing_id == backing_id)
            )
            or 0
        )


def test_the_shipped_provider_stores_a_pending_backing_with_instructions_and_posts_nothing(
    client, auth, backers, app
) -> None:
    shipped(app)
    issue_id = backers.problem(cost_cents=10_000)
    user = backers.resident()
    response = back(client, issue_id, 1_500, auth.headers(user), "p-1")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "pending"
    assert body["reference"] == f"CF-B{body['id']}"
    assert f"CF-B{body['id']}" in body["payment_instructions"]
    assert "15.00" in body["payment_instructions"]
    assert postings(app, body["id"]) == 0
    assert backers.balance(escrow_account(issue_id)) == 0
    funding = client.get(f"/api/v1/issues/{issue_id}").get_json()["properties"]["funding"]
    assert (funding["backed_cents"], funding["backers"], funding["pending_cents"]) == (0, 0, 1_500)
    # A retry with the same key is the same pending backing.
    again = back(client, issue_id, 1_500, auth.headers(user), "p-1")
    assert (again.status_code, again.get_json()["id"]) == (200, body["id"])


def test_the_cap_counts_pending_backings(client, auth, backers, app) -> None:
    shipped(app)
    backers.period(backer_cap_cents=5_000)
    issue_id = backers.problem()
    headers = auth.headers(backers.resident())
    assert back(client, issue_id, 4_000, headers, "a").status_code == 201
    over = back(client, issue_id, 1_500, headers, "b")
    assert over.status_code == 422
    assert over.get_json()["error"]["field"] == "amount_cents"
    assert back(client, issue_id, 1_000, headers, "c").status_code == 201


def test_backings_waiting_for_the_cashier_count_towards_the_cost(client, auth, backers, app) -> None:
    """Found in review: two bank transfers of 60.00 for a 100.00 fix were each within what it still
    needed when made; confirmed, they held 120.00 for it. What is waiting counts as promised."""
    shipped(app)
    backers.period(backer_cap_cents=10_000)
    issue_id = backers.problem(cost_cents=10_000)
    first = back(client, issue_id, 6_000, auth.headers(backers.resident()), "first")
    assert first.status_code == 201

    over = back(client, issue_id, 6_000, auth.headers(backers.resident()), "second")

    assert over.status_code == 422
    assert over.get_json()["error"] == {
        "code": "invalid",
        "field": "amount_cents",
        "message": "This problem needs EUR 40.00 more to reach its cost of EUR 100.00 (EUR 60.00 more is "
        "waiting for the cashier): back it with at most EUR 40.00.",
    }
    assert back(client, issue_id, 4_000, auth.headers(backers.resident()), "third").status_code == 201
    full = back(client, issue_id, 1, auth.headers(backers.resident()), "fourth")
    assert full.status_code == 422
    assert full.get_json()["error"]["message"].startswith(
        "Backings waiting for the cashier (EUR 100.00) already cover the rest of its cost"
    )
    staff = auth.headers(role="official")
    cancelled = client.post(f"/api/v1/backings/{first.get_json()['id']}/cancellation", headers=staff)
    assert cancelled.status_code == 200
    assert back(client, issue_id, 6_000, auth.headers(backers.resident()), "fifth").status_code == 201


def test_an_official_confirms_once_and_the_money_moves_once(client, auth, backers, app) -> None:
    shipped(app)
    issue_id = backers.problem(cost_cents=10_000)
    user = backers.resident()
    backing_id = back(client, issue_id, 2_000, auth.headers(user), "k").get_json()["id"]
    staff = auth.headers(role="official")

    confirmed = client.post(f"/api/v1/backings/{backing_id}/confirmation", headers=staff)
    assert confirmed.status_code == 200, confirmed.get_json()
    assert (confirmed.get_json()["status"], confirmed.get_json()["payment_instructions"]) == ("held", None)
    assert backers.balance(escrow_account(issue_id)) == 2_000
    assert backers.balance(resident_account(user.id)) == -2_000
    funding = client.get(f"/api/v1/issues/{issue_id}").get_json()["properties"]["funding"]
    assert (funding["backed_cents"], funding["backers"], funding["pending_cents"]) == (2_000, 1, 0)

    twice = client.post(f"/api/v1/backings/{backing_id}/confirmation", headers=staff)
    assert twice.status_code == 409
    assert twice.get_json()["error"]["field"] == "backing_id"
    assert "held, not pending" in twice.get_json()["error"]["message"]
    cancel_held = client.post(f"/api/v1/backings/{backing_id}/cancellation", headers=staff)
    assert cancel_held.status_code == 409
    assert postings(app, backing_id) == 1
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.target_id == str(backing_id))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["backing.confirm"]
    backers.ledger_ok()


def test_a_confirmation_that_completes_the_cost_funds_the_problem(client, auth, backers, app) -> None:
    shipped(app)
    issue_id = backers.problem(cost_cents=3_000)
    backing_id = back(client, issue_id, 3_000, auth.headers(backers.resident()), "all").get_json()["id"]
    confirmed = client.post(f"/api/v1/backings/{backing_id}/confirmation", headers=auth.headers(role="admin"))
    assert confirmed.get_json()["status"] == "committed"
    assert backers.issue_status(issue_id) == "planned"
    backers.ledger_ok()


def test_cancelling_moves_nothing_and_a_cancelled_backing_cannot_be_confirmed(
    client, auth, backers, app
) -> None:
    shipped(app)
    issue_id = backers.problem()
    backing_id = back(client, issue_id, 700, auth.headers(backers.resident()), "c").get_json()["id"]
    staff = auth.headers(role="official")
    before = backers.counts()
    cancelled = client.post(f"/api/v1/backings/{backing_id}/cancellation", headers=staff)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert backers.counts()[1:] == before[1:]  # no posting, no line
    late = client.post(f"/api/v1/backings/{backing_id}/confirmation", headers=staff)
    assert late.status_code == 409
    assert "cancelled, not pending" in late.get_json()["error"]["message"]
    assert postings(app, backing_id) == 0


def test_who_may_confirm_or_cancel(client, auth, backers, app) -> None:
    shipped(app)
    issue_id = backers.problem()
    owner = backers.resident()
    backing_id = back(client, issue_id, 500, auth.headers(owner), "w").get_json()["id"]
    for path in ("confirmation", "cancellation"):
        url = f"/api/v1/backings/{backing_id}/{path}"
        assert client.post(url).status_code == 401
        assert client.post(url, headers=auth.headers(owner)).status_code == 403
        assert client.post(url, headers=auth.headers()).status_code == 403
    assert client.get("/api/v1/backings/pending", headers=auth.headers(owner)).status_code == 403
    missing = client.post("/api/v1/backings/999999/confirmation", headers=auth.headers(role="official"))
    assert (missing.status_code, missing.get_json()["error"]["field"]) == (404, "backing_id")
    listed = client.get("/api/v1/backings/pending", headers=auth.headers(role="official")).get_json()
    assert [item["backing"]["id"] for item in listed["items"]] == [backing_id]
    assert backers.statuses(issue_id) == {backing_id: "pending"}


def test_an_official_does_not_confirm_their_own_backing(client, auth, backers, app) -> None:
    """Found from outside: the cashier backed a problem and confirmed the money of it themselves, so
    it counted for the city's match on their word alone. Another official or admin confirms it."""
    shipped(app)
    issue_id = backers.problem()
    cashier = backers.resident(role="official")
    backing_id = back(client, issue_id, 500, auth.headers(cashier), "own").get_json()["id"]

    own = client.post(f"/api/v1/backings/{backing_id}/confirmation", headers=auth.headers(cashier))

    assert own.status_code == 403
    assert own.get_json()["error"] == {
        "code": "forbidden",
        "field": "backing_id",
        "message": f"Backing CF-B{backing_id} is your own: another official or admin confirms it.",
    }
    assert backers.statuses(issue_id) == {backing_id: "pending"}
    admin = auth.headers(role="admin")
    auth.login_as(cashier)
    page = client.get("/staff/backings").get_data(as_text=True)
    assert "Your own backing: another official or admin confirms it." in page
    assert f"/staff/backings/{backing_id}/confirm" not in page
    auth.logout()
    other = client.post(f"/api/v1/backings/{backing_id}/confirmation", headers=admin)
    assert other.status_code == 200
    assert backers.statuses(issue_id) == {backing_id: "held"}


def test_closing_the_problem_cancels_its_pending_backings(client, auth, backers, app) -> None:
    shipped(app)
    issue_id = backers.problem()
    backing_id = back(client, issue_id, 900, auth.headers(backers.resident()), "x").get_json()["id"]
    staff = official(app)
    with app.app_context():
        actor = db.session.get(User, staff.id)
        status_changes.change_status(db.session, actor, issue_id, "closed", "Not the city's road")
        db.session.commit()
    assert backers.statuses(issue_id) == {backing_id: "cancelled"}
    assert postings(app, backing_id) == 0
    backers.ledger_ok()


def test_a_campaign_ending_cancels_pending_backings_and_confirming_after_it_is_refused(
    client, auth, backers, app
) -> None:
    shipped(app)
    period_id = backers.period()
    issue_id = backers.problem()
    headers = auth.headers(backers.resident())
    first = back(client, issue_id, 600, headers, "d1").get_json()["id"]
    second = back(client, issue_id, 400, headers, "d2").get_json()["id"]
    backers.end_period(period_id, utcnow() - timedelta(minutes=1))
    late = client.post(f"/api/v1/backings/{first}/confirmation", headers=auth.headers(role="official"))
    assert (late.status_code, late.get_json()["error"]["field"]) == (409, "backing_id")
    assert "campaign that ended" in late.get_json()["error"]["message"]
    with app.app_context():
        assert settle_due_at(utcnow()) == {issue_id: "nothing"}
    assert backers.statuses(issue_id) == {first: "cancelled", second: "cancelled"}
    with app.app_context():
        assert settle_due_at(utcnow()) == {}  # nothing pending is left to cancel
    backers.ledger_ok()


def test_concurrent_confirmations_post_once(client, auth, backers, app) -> None:
    """Two cashiers confirm the same backing at the same moment: one wins, the other gets a 409."""
    shipped(app)
    issue_id = backers.problem()
    backing_id = back(client, issue_id, 1_200, auth.headers(backers.resident()), "race").get_json()["id"]
    cashiers = [official(app).id for _ in range(4)]
    start = threading.Barrier(len(cashiers))
    outcomes: list[str] = []

    def confirm(user_id: int) -> None:
        with app.app_context():
            actor = db.session.get(User, user_id)
            assert actor is not None
            start.wait()
            try:
                backing_confirmation.confirm(db.session, actor, backing_id, utcnow())
                db.session.commit()
                outcomes.append("confirmed")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=confirm, args=(u,)) for u in cashiers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["confirmed"] + ["conflict"] * (len(cashiers) - 1)
    assert postings(app, backing_id) == 1
    assert backers.balance(escrow_account(issue_id)) == 1_200
    backers.ledger_ok()


def test_pending_backings_never_count_for_the_citys_match(client, auth, backers, app) -> None:
    period_id = backers.period()
    issue_id = backers.problem()
    backers.back(backers.resident(), issue_id, 900)
    backers.back(backers.resident(), issue_id, 400)
    shipped(app)
    assert back(client, issue_id, 2_500, auth.headers(backers.resident()), "m").status_code == 201
    with app.app_context():
        problem = quadratic_match.standing(db.session, period_id).problem(issue_id)
    assert problem is not None
    assert (problem.backers, problem.backed_cents) == (2, 1_300)


def test_deleting_the_account_cancels_its_pending_backings(client, auth, backers, app) -> None:
    shipped(app)
    issue_id = backers.problem()
    user = backers.resident()
    backing_id = back(client, issue_id, 800, auth.headers(user), "gone").get_json()["id"]
    with app.app_context():
        deletion.delete_account(db.session, db.session.get(User, user.id), factories.DEFAULT_PASSWORD)
        db.session.commit()
    assert backers.statuses(issue_id) == {backing_id: "cancelled"}
    backers.ledger_ok()


def test_a_backing_is_at_least_a_euro_unless_the_cost_needs_less(client, auth, backers) -> None:
    """Found from outside: a backing of one cent drew about EUR 4 of the city's quadratic match."""
    backers.period(backer_cap_cents=10_000)
    issue_id = backers.problem(cost_cents=1_050)
    small = back(client, issue_id, 1, auth.headers(backers.resident()), "small")
    assert small.status_code == 422
    assert small.get_json()["error"] == {
        "code": "invalid",
        "field": "amount_cents",
        "message": "The smallest backing is EUR 1.00 (or what the problem still needs, if less).",
    }
    assert back(client, issue_id, 1_000, auth.headers(backers.resident()), "most").status_code == 201
    # The last 0.50 of the cost may come in one backing smaller than a euro.
    assert back(client, issue_id, 50, auth.headers(backers.resident()), "last").status_code == 201


def test_the_receipt_of_a_backing_that_completes_the_cost_says_the_problem_is_funded(
    client, auth, backers, app, outbox
) -> None:
    """Found from outside: it said the money pays for the fix "once the problem is fully backed", in
    the second the problem was funded."""
    shipped(app)
    backers.period(backer_cap_cents=10_000)
    issue_id = backers.problem(cost_cents=2_000, title="Broken bench")
    earlier, backer = backers.resident(), backers.resident()
    backers.back(earlier, issue_id, 500)
    made = back(client, issue_id, 1_500, auth.headers(backer), "rest").get_json()["id"]
    cashier = auth.headers(role="official")
    assert client.post(f"/api/v1/backings/{made}/confirmation", headers=cashier).status_code == 200

    [receipt] = [m for m in outbox() if m["To"] == backer.email and "arrived" in str(m["Subject"])]
    text = " ".join(receipt.get_content().split())
    assert "the problem is funded, and your backing pays for its fix" in text
    assert "once the problem is fully backed" not in text
    # That receipt is its backer's one mail of it; the other backers hear "Funded" (found from outside:
    # the completing backer got both in the same second).
    funded = [str(m["To"]) for m in outbox() if str(m["Subject"]) == "Funded: “Broken bench”"]
    assert earlier.email in funded
    assert backer.email not in funded


def test_the_close_step_names_the_backings_still_waiting_for_the_cashier(client, auth, backers, app) -> None:
    """Found from outside: closing a period early said nothing of a backing paid during it that the
    cashier had not confirmed yet, and that backing went unmatched."""
    period_id = backers.period()
    issue_id = backers.problem()
    backers.back(backers.resident(), issue_id, 900)
    shipped(app)
    assert back(client, issue_id, 500, auth.headers(backers.resident()), "w").status_code == 201
    auth.login_as(official(app))

    page = client.get(f"/matching-periods/{period_id}").get_data(as_text=True)

    assert "1 backing of this period (EUR 5.00) still waits for the city's cashier: closing matches" in page
