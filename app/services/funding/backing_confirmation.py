"""The city's cashier (an official or admin) confirms that a pending backing's money arrived, or cancels it.

Never their own backing's: another official or admin confirms that (separation of duties, as for
pledges); cancelling one's own moves nothing and stays allowed.

Confirming takes the problem's money lock, checks the backing is still pending and its problem can still
be backed (open, not merged, not funded, its campaign not ended), moves it pending -> held with a guarded
UPDATE, posts it (BACKING, once: backing_id is unique in the ledger) and settles the problem like a
backing confirmed at once. Cancelling moves nothing (nothing was posted). Both are audited; of two
concurrent confirmations one wins and the other is a 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from app.database.sessions import DbSession, execute_write
from app.models import Issue, Status, User
from app.models.backing import Backing, BackingStatus, MatchingPeriod
from app.models.place import StatusType
from app.services.funding import ledger
from app.services.funding.backing_mail import mail_backer, mail_cancelled
from app.services.funding.backing_settlement import settle_issue
from app.services.funding.backings import is_funded, post_backing
from app.services.funding.pending_backings import audit_backing, payment_reference
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied
from app.services.kernel.roles import require_staff


@dataclass(frozen=True)
class Confirmed:
    backing: Backing
    settled: str  # what settlement did right after (backing_settlement.Settled)


def _pending_backing(session: DbSession, actor: User, backing_id: int, verb: str) -> Backing:
    """The backing, read again under its problem's money lock; a 409 unless it is still pending."""
    require_staff(actor)
    found = session.get(Backing, backing_id)
    if found is None:
        raise NotFound(f"There is no backing {backing_id}.", "backing_id")
    ledger.lock_issue_money(session, found.issue_id)
    found = session.scalar(
        select(Backing).where(Backing.id == backing_id).execution_options(populate_existing=True)
    )
    assert found is not None
    if found.status != BackingStatus.PENDING.value:
        raise Conflict(
            f"Backing {payment_reference(backing_id)} is {found.status}, not pending: it cannot be {verb}.",
            "backing_id",
        )
    return found


def _check_still_backable(session: DbSession, found: Backing, now: datetime) -> None:
    issue = session.get(Issue, found.issue_id)
    assert issue is not None
    status_type = session.scalar(select(Status.type).where(Status.code == issue.status))
    if status_type != StatusType.OPEN.value or issue.duplicate_of_id is not None:
        why = "was closed or merged"
    elif is_funded(session, issue.id):
        why = "is already funded"
    elif (
        found.period_id is not None
        and (
            session.scalar(select(MatchingPeriod.closes_at).where(MatchingPeriod.id == found.period_id))
            or now
        )
        <= now
    ):
        why = "has a campaign that ended"
    else:
        return
    raise Conflict(
        f"The problem {why}: cancel backing {payment_reference(found.id)} and return the money instead.",
        "backing_id",
    )


def _move(session: DbSession, backing_id: int, to: BackingStatus, now: datetime) -> None:
    moved = execute_write(
        session,
        update(Backing)
        .where(Backing.id == backing_id, Backing.status == BackingStatus.PENDING.value)
        .values(status=to.value, settled_at=now if to is BackingStatus.CANCELLED else None)
        .execution_options(synchronize_session=False),
    ).rowcount
    # The issue's money lock serialises confirmations, so a backing read pending under it is still pending.
    assert moved == 1, "a pending backing changed outside its problem's lock"


def confirm(session: DbSession, actor: User, backing_id: int, now: datetime) -> Confirmed:
    """The money arrived: post the backing into the escrow and settle the problem. Flushes, never commits."""
    found = _pending_backing(session, actor, backing_id, "confirmed")
    if found.user_id == actor.id:
        # Separation of duties, as for pledges: whoever confirms declares someone else's money arrived.
        raise PermissionDenied(
            f"Backing {payment_reference(found.id)} is your own: another official or admin confirms it.",
            "backing_id",
        )
    _check_still_backable(session, found, now)
    if found.user_id is None:
        raise Conflict("The resident's account was deleted: cancel this backing instead.", "backing_id")
    _move(session, found.id, BackingStatus.HELD, now)
    post_backing(session, found, now)
    audit_backing(session, actor, "backing.confirm", found)
    # Its backer's receipt below says whether it funded the problem: no "Funded" mail to them besides.
    settled = settle_issue(session, found.issue_id, now, told=found.user_id)
    session.refresh(found)
    issue = session.get(Issue, found.issue_id)
    if issue is not None:  # a receipt (found from outside: a backer heard nothing until the campaign ended)
        mail_backer(session, issue, found, "confirmed")  # after settling: it says whether it funded it
    return Confirmed(found, settled)


def cancel(session: DbSession, actor: User, backing_id: int, now: datetime) -> Backing:
    """The money did not arrive (or must be returned by hand): nothing was posted, nothing moves."""
    found = _pending_backing(session, actor, backing_id, "cancelled")
    _move(session, found.id, BackingStatus.CANCELLED, now)
    audit_backing(session, actor, "backing.cancel", found)
    issue = session.get(Issue, found.issue_id)
    if issue is not None:
        mail_cancelled(session, issue, [found.id], "cashier")
    session.flush()
    session.refresh(found)
    return found
