"""Money the city's cashier owes back: backings paid by transfer, then refunded or moved to a pool.

A backing paid to the cashier ("treasurer-confirmed") that its campaign did not spend is refunded to
its resident, or moved to the area's pool as their pledge, on the ledger at once; the money itself
sits in the city's account until the cashier transfers it back, or hands it to the group's
treasurer. Found from outside: residents were told "refunded to you" and the cashier had no list of
what to pay. The cashier's page lists these, oldest first, until each is marked paid back (audited
`backing.paid_back`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Issue, Pledge, User
from app.models.backing import MOVED_PROVIDER, Backing, BackingStatus
from app.services.funding.backing_mail import groups_of_moved, mail_backer, moved_pledge_key
from app.services.funding.payments import TreasurerConfirmed
from app.services.funding.pending_backings import PendingRow, audit_backing, payment_reference
from app.services.kernel.audit import Page
from app.services.kernel.errors import Conflict, NotFound
from app.services.kernel.roles import require_staff

PER_PAGE = 100
ENDED = (BackingStatus.REFUNDED.value, BackingStatus.MOVED.value)


@dataclass(frozen=True)
class PaybackRow(PendingRow):
    group: str | None = None  # for a backing moved to a pool: the group whose treasurer gets the money


def _owed() -> ColumnElement[bool]:
    return and_(
        Backing.status.in_(ENDED),
        Backing.provider == TreasurerConfirmed.name,
        Backing.paid_back_at.is_(None),
    )


def to_pay_back(session: DbSession, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of what the cashier owes back, oldest settlement first (`Page.items`: PaybackRows)."""
    total = int(session.scalar(select(func.count(Backing.id)).where(_owed())) or 0)
    rows = session.execute(
        select(Backing, Issue.title, User.display_name)
        .join(Issue, Issue.id == Backing.issue_id)
        .outerjoin(User, User.id == Backing.user_id)
        .where(_owed())
        .order_by(Backing.settled_at, Backing.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    moved_to = groups_of_moved(session, [b.id for b, _t, _n in rows if b.status == BackingStatus.MOVED.value])
    items = [
        PaybackRow(b, title, name or "", payment_reference(b.id), moved_to.get(b.id))
        for b, title, name in rows
    ]
    return Page(items, page, per_page, total)


def mark_paid_back(session: DbSession, actor: User, backing_id: int, now: datetime) -> Backing:
    """The cashier paid the backing's money back (or handed it to the treasurer): off the list, once."""
    require_staff(actor)
    found = session.get(Backing, backing_id)
    if found is None:
        raise NotFound(f"There is no backing {payment_reference(backing_id)}.", "backing_id")
    if found.status not in ENDED or found.provider != TreasurerConfirmed.name:
        raise Conflict(
            f"Backing {payment_reference(found.id)} is {found.status}: the city owes nothing back for it.",
            "backing_id",
        )
    marked = execute_write(
        session,
        update(Backing)
        .where(Backing.id == found.id, Backing.paid_back_at.is_(None))
        .values(paid_back_at=now)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not marked:
        raise Conflict(f"Backing {payment_reference(found.id)} was marked paid back already.", "backing_id")
    audit_backing(session, actor, "backing.paid_back", found, moved=found.status == BackingStatus.MOVED.value)
    session.flush()
    session.refresh(found)
    issue = session.get(Issue, found.issue_id)
    if issue is not None:  # the resident hears the money is on its way, as they heard it was owed
        mail_backer(session, issue, found, "paid_back")
    return found


def owed_to_pool(session: DbSession, pool_id: int) -> int:
    """What the city's cashier still holds of the backings moved to this pool: on the ledger they are
    its confirmed pledges, the money is not with its treasurers yet (found from outside: a treasurer's
    "In the pool" counted it, and nothing said it was still to come)."""
    owed = dict(
        session.execute(
            select(Backing.id, Backing.amount_cents).where(
                _owed(), Backing.status == BackingStatus.MOVED.value
            )
        )
        .tuples()
        .all()
    )
    if not owed:
        return 0
    keys = {moved_pledge_key(backing_id): backing_id for backing_id in owed}
    here = session.scalars(
        select(Pledge.idempotency_key).where(
            Pledge.pool_id == pool_id,
            Pledge.provider == MOVED_PROVIDER,
            Pledge.idempotency_key.in_(list(keys)),
        )
    )
    return sum(int(owed[keys[key]]) for key in here)
