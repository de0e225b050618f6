"""A treasurer marks a part of their pool's refund handed back: the ledger says the pool owes it to the
pledger (or to the city); this says the money changed hands (found from outside: the treasurer page
listed the refunds with no way to record one paid, while the city's cashier has "Mark paid back").

The mark is a `ReturnPayback` row of the refund's ledger line, as the cashier's paybacks of a fix's
unspent money are: one per line, so marking twice, or two treasurers at once, records it once. A
treasurer's own part is marked by another admin of the group or a city official (separation of
duties, as for pledges).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession
from app.models import LedgerLine, LedgerPosting, Pool, ReturnPayback, User
from app.services.funding import groups
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied
from budgets.accounts import PostingKind, resident_account


def mark_handed_back(session: DbSession, actor: User, pool_id: int, line_id: int) -> ReturnPayback:
    """Record that the refund part on ledger line `line_id` of the pool was handed back; flushes."""
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound(f"There is no pool {pool_id}.", "pool_id")
    groups.require_runs_group(session, actor, pool.group_id)
    found = session.execute(
        select(LedgerLine.account, LedgerLine.amount_cents)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(
            LedgerLine.id == line_id,
            LedgerPosting.pool_id == pool_id,
            LedgerPosting.kind == PostingKind.REFUND,
            LedgerLine.amount_cents > 0,
        )
    ).first()
    if found is None:
        raise NotFound(f"There is no part {line_id} of this pool's refunds.", "line_id")
    account, cents = found
    if account == resident_account(actor.id):
        raise PermissionDenied(
            "Another admin of the group or a city official marks your own part handed back.", "line_id"
        )
    earlier = session.scalar(select(ReturnPayback).where(ReturnPayback.line_id == line_id))
    if earlier is not None:
        raise Conflict("This part was marked handed back already.", "line_id")
    mark = ReturnPayback(line_id=line_id, paid_back_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(mark)
    except IntegrityError:  # another treasurer marked it at the same moment
        raise Conflict("This part was marked handed back already.", "line_id") from None
    audit.record(
        session,
        actor,
        "pool.refund_handed_back",
        "pool",
        pool_id,
        line_id=line_id,
        account=account,
        amount_cents=cents,
        currency=pool.currency,
    )
    session.flush()
    return mark
