"""Pending backings: a backing waiting for the city's cashier to confirm its money arrived.

With a payment provider that does not confirm at once (the shipped "treasurer-confirmed"), a backing is
stored `pending` with no ledger posting; the resident is told whom to pay with a reference, and an
official confirms or cancels it (backing_confirmation.py). Pending backings count against the resident's
cap but never in the problem's figures or the city's match. Settlement cancels the pending backings of a
problem that closes, is merged or funded, or whose campaign ended (nothing was posted, so nothing moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update

from app.database.sessions import DbSession, execute_write
from app.models import AuditEntry, Issue, User
from app.models.backing import CURRENCY, Backing, BackingStatus, MatchingPeriod
from app.services.kernel.audit import Page, record
from app.services.kernel.city_time import day_words, in_city
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied
from app.services.kernel.parsing import ID_MAX
from budgets.money import format_money

REFERENCE_PREFIX = "CF-B"
PER_PAGE = 100  # the cashier's list, a page at a time (it showed the oldest 500 and no more)


def payment_reference(backing_id: int) -> str:
    """What the resident quotes with the transfer, and what the cashier matches it by."""
    return f"{REFERENCE_PREFIX}{backing_id}"


def audit_backing(session: DbSession, actor: User, action: str, backing: Backing, **details: object) -> None:
    """Audit an act on one backing, naming its problem, amount (in the city's currency) and reference."""
    record(
        session,
        actor,
        action,
        "backing",
        backing.id,
        issue_id=backing.issue_id,
        amount_cents=backing.amount_cents,
        currency=CURRENCY,
        reference=payment_reference(backing.id),
        **details,
    )


def payment_instructions(backing: Backing, currency: str) -> str:
    """Config BACKING_PAYMENT_INSTRUCTIONS with {amount} and {reference} filled in."""
    text = str(current_app.config["BACKING_PAYMENT_INSTRUCTIONS"])
    return text.replace("{amount}", format_money(backing.amount_cents, currency)).replace(
        "{reference}", payment_reference(backing.id)
    )


@dataclass(frozen=True)
class PendingRow:
    backing: Backing
    issue_title: str
    resident: str  # display name ("" for a deleted account)
    reference: str


def pending(session: DbSession, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the pending backings, oldest first, with the problem's title and the resident (the
    cashier's list; `Page.items` are PendingRows), and how many are waiting on every page."""
    waiting = Backing.status == BackingStatus.PENDING.value
    total = int(session.scalar(select(func.count(Backing.id)).where(waiting)) or 0)
    rows = session.execute(
        select(Backing, Issue.title, User.display_name)
        .join(Issue, Issue.id == Backing.issue_id)
        .outerjoin(User, User.id == Backing.user_id)
        .where(waiting)
        .order_by(Backing.created_at, Backing.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).tuples()
    items = [PendingRow(b, title, name or "", payment_reference(b.id)) for b, title, name in rows]
    return Page(items, page, per_page, total)


def pending_cents(session: DbSession, issue_id: int) -> int:
    """Money promised to the problem that the cashier has not confirmed yet."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Backing.amount_cents), 0)).where(
                Backing.issue_id == issue_id, Backing.status == BackingStatus.PENDING.value
            )
        )
        or 0
    )


def waiting_in_period(session: DbSession, period_id: int) -> tuple[int, int]:
    """(how many, cents) of the period's backings still waiting for the cashier: closing the period
    matches none of them (found from outside: an early close said nothing of them, and a backing paid
    during the campaign went unmatched because the cashier had not confirmed it yet)."""
    count, cents = session.execute(
        select(func.count(Backing.id), func.coalesce(func.sum(Backing.amount_cents), 0)).where(
            Backing.period_id == period_id, Backing.status == BackingStatus.PENDING.value
        )
    ).one()
    return int(count), int(cents)


def cancel_ended(
    session: DbSession, issue_id: int, now: datetime, *, everything: bool, reason: str
) -> list[int]:
    """Cancel the problem's pending backings: all of them (`everything`: closed, merged or funded), else
    those whose matching period has ended. Call under the problem's money lock. Returns their ids."""
    query = select(Backing.id).where(
        Backing.issue_id == issue_id, Backing.status == BackingStatus.PENDING.value
    )
    if not everything:
        ended = select(MatchingPeriod.id).where(MatchingPeriod.closes_at <= now)
        query = query.where(Backing.period_id.in_(ended))
    ids = list(session.scalars(query))
    if not ids:
        return []
    execute_write(
        session,
        update(Backing)
        .where(Backing.id.in_(ids), Backing.status == BackingStatus.PENDING.value)
        .values(status=BackingStatus.CANCELLED.value, settled_at=now)
        .execution_options(synchronize_session=False),
    )
    session.add(
        AuditEntry(
            actor_id=None,
            action="backing.cancel_pending",
            target_type="issue",
            target_id=str(issue_id),
            details={"by": "campaign", "reason": reason, "backings": ids},
            created_at=now,
        )
    )
    session.flush()
    return ids


def cancel_of_user(session: DbSession, user_id: int, now: datetime) -> int:
    """Cancel a resident's pending backings (their account is being deleted); returns how many."""
    cancelled = execute_write(
        session,
        update(Backing)
        .where(Backing.user_id == user_id, Backing.status == BackingStatus.PENDING.value)
        .values(status=BackingStatus.CANCELLED.value, settled_at=now)
        .execution_options(synchronize_session=False),
    ).rowcount
    return int(cancelled or 0)


@dataclass(frozen=True)
class FoundReference:
    """A backing found by the reference a payment quoted, whatever its state, and what to do with it."""

    backing: Backing
    issue_title: str
    reference: str
    advice: str  # what the cashier does with money that arrives quoting it


_ADVICE = {
    BackingStatus.PENDING.value: "Waiting for its money: confirm it below once the money is here.",
    BackingStatus.CANCELLED.value: (
        "Cancelled (its problem was closed, merged or funded, its campaign ended, the cashier cancelled "
        "it, or the resident deleted their account): it can no longer be confirmed. Return money that "
        "arrives for it to whoever paid it."
    ),
    BackingStatus.HELD.value: (
        "Confirmed already, and held for its problem: money that arrives for it again is a second "
        "payment; return it."
    ),
    BackingStatus.COMMITTED.value: (
        "Confirmed already, and committed to its funded problem: money that arrives for it again is a "
        "second payment; return it."
    ),
    BackingStatus.REFUNDED.value: (
        "Confirmed, then refunded to the resident: return money that arrives for it."
    ),
    BackingStatus.MOVED.value: (
        "Confirmed, then moved to the resident's area pool as they chose: return money that arrives for it."
    ),
}


def by_reference(session: DbSession, raw: str) -> FoundReference | None:
    """The backing a payment reference names ("CF-B23", any case, spaces and all), or None."""
    typed = "".join(raw.split()).upper()
    number = typed.removeprefix(REFERENCE_PREFIX)
    if not number.isascii() or not number.isdigit() or len(number) > 12 or int(number) > ID_MAX:
        return None  # past ID_MAX PostgreSQL's integer id column would refuse the query itself
    row = session.execute(
        select(Backing, Issue.title)
        .join(Issue, Issue.id == Backing.issue_id)
        .where(Backing.id == int(number))
    ).first()
    if row is None:
        return None
    backing, title = row
    advice = _ADVICE.get(backing.status, "")
    if backing.status in (BackingStatus.REFUNDED.value, BackingStatus.MOVED.value):
        # Whether the city still owes it (found from outside: the lookup never said).
        advice += (
            f" Marked paid back on {day_words(in_city(backing.paid_back_at).date())}."
            if backing.paid_back_at is not None
            else " Not paid back yet: it is under “Money to pay back” above."
        )
    return FoundReference(backing, title, payment_reference(backing.id), advice)


def withdraw(session: DbSession, user: User, backing_id: int, now: datetime) -> Backing:
    """The backer takes back their own backing while it waits for the cashier (found from outside: a
    mistaken 0.50 could only be freed by the cashier, and promises nobody paid kept a problem's last
    room taken). Cancelled as the cashier's cancel is; nothing was posted, so nothing moves. Only the
    backer (403 naming `backing_id`); one no longer pending is a 409 naming its state. Audited
    (`backing.withdraw`); flushes, never commits."""
    found = session.get(Backing, backing_id)
    if found is None:
        raise NotFound(f"There is no backing {payment_reference(backing_id)}.", "backing_id")
    if found.user_id != user.id:
        raise PermissionDenied(
            f"Only the resident who made backing {payment_reference(found.id)} can withdraw it.", "backing_id"
        )
    # The guarded UPDATE from pending that the cashier's confirm and cancel make: one of them wins.
    moved = execute_write(
        session,
        update(Backing)
        .where(Backing.id == found.id, Backing.status == BackingStatus.PENDING.value)
        .values(status=BackingStatus.CANCELLED.value, settled_at=now)
        .execution_options(synchronize_session=False),
    ).rowcount
    session.refresh(found)
    if not moved:
        raise Conflict(
            f"Backing {payment_reference(found.id)} is {found.status}, no longer waiting for the cashier: "
            "it can no longer be withdrawn.",
            "backing_id",
        )
    audit_backing(session, user, "backing.withdraw", found)
    session.flush()
    return found
