"""The money actions of the role x action table (issue 18, item 4): a funded problem, its state, the calls."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import LedgerPosting
from app.models.timestamps import utcnow
from app.services.funding import ledger
from app.services.issues.money import money_of
from budgets.accounts import PostingKind, escrow_account, issue_account, resident_account
from tests.funding.round_world import RoundWorld

# Actions on a funded problem's money: their target is the problem, not the round.
MONEY_ACTIONS = ("pay out", "return remainder")


def funded_problem(world: RoundWorld) -> int:
    """A problem whose campaign was funded: a member's 2,000 cents backed it and were committed (the
    lines item 2's backings post), so the table needs no further round."""
    issue_id = world.costed_issue(2000)
    backer = world.members[0]
    with world.app.app_context():
        lines = [(resident_account(backer.id), -2000), (escrow_account(issue_id), 2000)]
        ledger.post(db.session, PostingKind.BACKING, "Backing", lines, None, issue_id=issue_id)
        lines = [(escrow_account(issue_id), -2000), (issue_account(issue_id), 2000)]
        ledger.post(db.session, PostingKind.COMMIT, "Funded", lines, None, issue_id=issue_id)
        db.session.commit()
    return issue_id


def issue_money(world: RoundWorld, issue_id: int) -> tuple[int, int]:
    """The problem's postings and what its committed account holds."""
    with world.app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(LedgerPosting).where(LedgerPosting.issue_id == issue_id)
        )
        return int(count or 0), money_of(db.session, issue_id).remaining_cents


def perform_money(world: RoundWorld, action: str, issue_id: int | None, headers: dict[str, str]) -> Any:
    if action == "pay out":
        payout = {"payee_kind": "contractor", "payee_name": "Fixers Ltd", "amount_cents": 500}
        payout |= {"invoice_ref": "F-1", "paid_on": utcnow().date().isoformat()}
        return world.client.post(f"/api/v1/issues/{issue_id}/payouts", json=payout, headers=headers)
    return world.client.post(f"/api/v1/issues/{issue_id}/remainder-return", headers=headers)
