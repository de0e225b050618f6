"""Following the money to the fix (issue 18, item 4): payouts from a funded problem's committed money,
the remainder returned where it came from, "fixed" only once the money is settled, on both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, Backing, LedgerPosting, Payout, User
from app.models.timestamps import utcnow
from app.services.funding import ledger, payouts, transparency
from app.services.issues.money import money_of
from app.services.kernel.errors import PermissionDenied
from budgets.accounts import (
    CITY_MATCH,
    PostingKind,
    available_account,
    escrow_account,
    issue_account,
    resident_account,
)
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def voted_round(world: RoundWorld) -> tuple[int, int, int]:
    """Greedy approval with a 30.00 pool, voting: #a (30.00) has 3 votes, #b (20.00) 1; the round, a, b."""
    world.build(members=4, pledges=(1000, 1000, 1000), costs=COSTS)
    rid = world.create(rule="greedy")["id"]
    world.open_voting(rid)
    a, b, _c, _d = world.issues
    for member, ids in zip(world.members, ([a], [a], [a, b]), strict=False):
        assert world.vote(member, rid, issue_ids=ids).status_code == 200
    return rid, a, b


def funded_issue(world: RoundWorld, before_certify: Callable[[int], None] | None = None) -> int:
    """A round certified with greedy approval: the first issue gets its whole 3,000 cents."""
    rid, a, _b = voted_round(world)
    if before_certify is not None:
        before_certify(a)
    world.tally_and_certify(rid)
    return a


def payout_body(**changes: Any) -> dict[str, Any]:
    body = {
        "payee_kind": "contractor",
        "payee_name": "Green Streets Ltd",
        "amount_cents": 2500,
        "invoice_ref": "INV-2026-0042",
        "paid_on": utcnow().date().isoformat(),
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def pay(world: RoundWorld, issue_id: int, by: User | None = None, **changes: Any) -> Any:
    return world.client.post(
        f"/api/v1/issues/{issue_id}/payouts",
        json=payout_body(**changes),
        headers=world.headers(by or world.official),
    )


def give_back(world: RoundWorld, issue_id: int, by: User | None = None) -> Any:
    return world.client.post(
        f"/api/v1/issues/{issue_id}/remainder-return", headers=world.headers(by or world.official)
    )


def set_status(world: RoundWorld, issue_id: int, status: str) -> Any:
    return world.client.post(
        f"/api/v1/issues/{issue_id}/status",
        json={"status": status, "note": "Crew on site."},
        headers=world.headers(world.official),
    )


def stored(world: RoundWorld) -> tuple[int, int, int]:
    """Payouts, ledger postings and audit entries: what a refused request must leave alone."""
    with world.app.app_context():
        return (
            int(db.session.scalar(select(func.count()).select_from(Payout)) or 0),
            int(db.session.scalar(select(func.count()).select_from(LedgerPosting)) or 0),
            int(db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0),
        )


def ledger_ok(world: RoundWorld) -> None:
    with world.app.app_context():
        violation, _count = transparency.check_ledger(db.session)
        assert violation is None, str(violation)


def test_payouts_then_the_remainder_returned_then_fixed(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    assert world.client.get(f"/api/v1/issues/{issue_id}/money").get_json() == {
        "issue_id": issue_id,
        "currency": "EUR",  # the amounts' currency, the allocating pool's
        "committed_cents": 3000,
        "paid_cents": 0,
        "returned_cents": 0,
        "remaining_cents": 3000,
        "payouts": [],
    }

    first = pay(world, issue_id, amount_cents=1800)
    second = pay(world, issue_id, amount_cents=700, payee_kind="department", payee_name="Parks Department")
    assert (first.status_code, second.status_code) == (201, 201), first.get_json()
    assert first.get_json()["payee_name"] == "Green Streets Ltd"
    assert first.get_json()["posting_id"] is not None

    refused = set_status(world, issue_id, "fixed")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["field"] == "status"
    assert "EUR 5.00" in error["message"]
    assert "neither paid out nor returned" in error["message"]
    # Found from outside: "Closed" and "Not responsible" were accepted, leaving the pool's money
    # committed to a problem no longer worked on. Every status that is not open waits for the money.
    for status in ("closed", "not-responsible"):
        closing = set_status(world, issue_id, status)
        assert closing.status_code == 422, status
        assert "neither paid out nor returned" in closing.get_json()["error"]["message"]

    returned = give_back(world, issue_id)
    assert returned.status_code == 200, returned.get_json()
    assert world.ref is not None
    assert returned.get_json()["parts"] == [
        {"account": available_account(world.ref.pool_id), "amount_cents": 500}
    ]
    money = world.client.get(f"/api/v1/issues/{issue_id}/money").get_json()
    assert (money["paid_cents"], money["returned_cents"], money["remaining_cents"]) == (2500, 500, 0)
    assert [(p["payee_name"], p["amount_cents"]) for p in money["payouts"]] == [
        ("Green Streets Ltd", 1800),
        ("Parks Department", 700),
    ]
    assert world.funding.balance(world.ref).returned_cents == 500
    assert world.funding.balance(world.ref).balance_cents == 500

    assert set_status(world, issue_id, "fixed").status_code == 200
    again = give_back(world, issue_id)  # nothing left to return
    assert again.status_code == 409
    # Found from outside: a second return said the problem held no committed money.
    assert "unspent money was already returned, on " in again.get_json()["error"]["message"]
    assert pay(world, issue_id, amount_cents=1).status_code == 422
    ledger_ok(world)
    with world.app.app_context():
        actions = db.session.execute(
            select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.details)
            .where(AuditEntry.action.in_(["issue.payout", "issue.return"]))
            .order_by(AuditEntry.id)
        ).all()
    assert world.official is not None
    assert [(a, who) for a, who, _ in actions] == [
        ("issue.payout", world.official.id),
        ("issue.payout", world.official.id),
        ("issue.return", world.official.id),
    ]
    assert actions[0][2]["invoice_ref"] == "INV-2026-0042"


def test_an_unfunded_problem_has_nothing_to_pay_or_return(world: RoundWorld) -> None:
    world.build(members=2, costs=(1000,))
    issue_id = world.issues[0]
    before = stored(world)
    response = pay(world, issue_id, amount_cents=100)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "amount_cents"
    assert "no committed money" in response.get_json()["error"]["message"]
    never = give_back(world, issue_id)
    assert never.status_code == 409
    assert "holds no committed money: there is nothing to return" in never.get_json()["error"]["message"]
    assert stored(world) == before
    assert pay(world, 999_999, amount_cents=100).status_code == 404
    # An unfunded problem is fixed without any payout.
    assert set_status(world, issue_id, "fixed").status_code == 200


TOMORROW = (utcnow() + timedelta(days=1)).date().isoformat()
BAD_INPUT = [
    ({"amount_cents": 0}, "amount_cents"),
    ({"amount_cents": -5}, "amount_cents"),
    ({"amount_cents": 12.5}, "amount_cents"),
    ({"amount_cents": "100"}, "amount_cents"),
    ({"amount_cents": True}, "amount_cents"),
    ({"amount_cents": None}, "amount_cents"),
    ({"payee_name": None}, "payee_name"),
    ({"payee_name": "   "}, "payee_name"),
    ({"payee_name": "x" * 121}, "payee_name"),
    ({"payee_name": "Bad\nName"}, "payee_name"),
    ({"payee_kind": "friend"}, "payee_kind"),
    ({"payee_kind": None}, "payee_kind"),
    ({"payee_kind": ["contractor"]}, "payee_kind"),
    ({"invoice_ref": None}, "invoice_ref"),
    ({"invoice_ref": ""}, "invoice_ref"),
    ({"paid_on": None}, "paid_on"),
    ({"paid_on": TOMORROW}, "paid_on"),
    ({"paid_on": "03/12/2026"}, "paid_on"),
    ({"paid_on": 20261203}, "paid_on"),
]


def test_bad_payouts_name_the_field_and_store_nothing(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    before = stored(world)
    for changes, field in BAD_INPUT:
        response = pay(world, issue_id, **changes)
        assert response.status_code == 422, (changes, response.get_json())
        assert response.get_json()["error"]["field"] == field, changes
    not_json = world.client.post(
        f"/api/v1/issues/{issue_id}/payouts", data="amount", headers=world.headers(world.official)
    )
    assert not_json.status_code == 400
    assert stored(world) == before


@pytest.mark.parametrize("role", ["member", "group admin", "anonymous"])
def test_only_officials_and_admins_pay_out_or_return(world: RoundWorld, role: str) -> None:
    issue_id = funded_issue(world)
    assert world.admin is not None
    before = stored(world)
    if role == "anonymous":
        paid = world.client.post(f"/api/v1/issues/{issue_id}/payouts", json=payout_body())
        returned = world.client.post(f"/api/v1/issues/{issue_id}/remainder-return")
        assert (paid.status_code, returned.status_code) == (401, 401)
    else:
        user = world.members[0] if role == "member" else world.admin
        paid = pay(world, issue_id, by=user)
        returned = give_back(world, issue_id, by=user)
        assert (paid.status_code, returned.status_code) == (403, 403)
        assert paid.get_json()["error"]["message"].startswith("Only")
        assert returned.get_json()["error"]["message"].startswith("Only")
    assert stored(world) == before
    admin = world.make_user(role="admin")
    assert pay(world, issue_id, by=admin).status_code == 201


def test_a_blocked_official_records_nothing(world: RoundWorld) -> None:
    issue_id = funded_issue(world)
    blocked = world.make_user(role="official", is_blocked=True)
    before = stored(world)
    with world.app.app_context():
        found = db.session.get(User, blocked.id)
        assert found is not None
        with pytest.raises(PermissionDenied, match="blocked"):
            payouts.record_payout(db.session, found, payouts.parse_payout(found, issue_id, **payout_body()))
        with pytest.raises(PermissionDenied, match="blocked"):
            payouts.return_remainder(db.session, found, issue_id)
        db.session.rollback()
    assert stored(world) == before


def test_backed_money_returns_to_the_backers_and_the_city_pro_rata(world: RoundWorld) -> None:
    """Money committed from a campaign's escrow (item 2's path, posted here by hand) goes back to each
    backer and the city in proportion to what they put in, exact to the cent."""
    world.build(members=3, costs=(1000,))
    issue_id = world.issues[0]
    backers = world.members
    with world.app.app_context():
        for i, (user, cents) in enumerate(zip(backers, (500, 300, 200), strict=True)):
            backing = Backing(
                issue_id=issue_id,
                user_id=user.id,
                amount_cents=cents,
                status="committed",
                provider="manual",
                idempotency_key=f"k{i}",
            )
            db.session.add(backing)
            db.session.flush()
            lines = [(resident_account(user.id), -cents), (escrow_account(issue_id), cents)]
            ledger.post(
                db.session,
                PostingKind.BACKING,
                "Backing",
                lines,
                None,
                issue_id=issue_id,
                backing_id=backing.id,
            )
        lines = [(CITY_MATCH, -1000), (escrow_account(issue_id), 1000)]
        ledger.post(db.session, PostingKind.QF_MATCH, "Match", lines, None, issue_id=issue_id)
        lines = [(escrow_account(issue_id), -2000), (issue_account(issue_id), 2000)]
        ledger.post(db.session, PostingKind.COMMIT, "Funded", lines, None, issue_id=issue_id)
        db.session.commit()
    assert pay(world, issue_id, amount_cents=1999).status_code == 201
    returned = give_back(world, issue_id).get_json()
    # 1 cent over weights 500:300:200:1000 -> the city's is the largest share.
    assert returned["parts"] == [{"account": CITY_MATCH, "amount_cents": 1}]
    ledger_ok(world)

    other = world.costed_issue(5000)
    with world.app.app_context():
        for i, (user, cents) in enumerate(zip(backers, (500, 300, 200), strict=True)):
            backing = Backing(
                issue_id=other,
                user_id=user.id,
                amount_cents=cents,
                status="committed",
                provider="manual",
                idempotency_key=f"other-{i}",
            )
            db.session.add(backing)
            db.session.flush()
            lines = [(resident_account(user.id), -cents), (escrow_account(other), cents)]
            ledger.post(
                db.session, PostingKind.BACKING, "Backing", lines, None, issue_id=other, backing_id=backing.id
            )
        lines = [(escrow_account(other), -1000), (issue_account(other), 1000)]
        ledger.post(db.session, PostingKind.COMMIT, "Funded", lines, None, issue_id=other)
        db.session.commit()
    assert pay(world, other, amount_cents=899).status_code == 201
    parts = give_back(world, other).get_json()["parts"]
    assert parts == sorted(
        [
            {"account": resident_account(backers[0].id), "amount_cents": 51},
            {"account": resident_account(backers[1].id), "amount_cents": 30},
            {"account": resident_account(backers[2].id), "amount_cents": 20},
        ],
        key=lambda p: p["account"],
    )
    with world.app.app_context():
        assert money_of(db.session, other).remaining_cents == 0
    ledger_ok(world)


def test_a_problem_paid_out_in_full_has_nothing_to_return_and_says_why(world: RoundWorld) -> None:
    """Found from outside: a return on a problem paid in full said it "holds no committed money"."""
    issue_id = funded_issue(world)
    assert pay(world, issue_id, amount_cents=3000).status_code == 201
    refused = give_back(world, issue_id)
    assert refused.status_code == 409
    message = refused.get_json()["error"]["message"]
    assert message == f"Problem #{issue_id}'s committed money was all paid out: there is nothing to return."
