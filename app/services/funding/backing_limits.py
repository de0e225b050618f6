"""What a backing may be: the matching period it joins, one resident's cap, and what the cost still
takes (the cost less the escrow and the backings waiting for the cashier). backings.back checks each,
under the problem's money lock; the problem page's backing panel says them in advance.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select

from app.database.sessions import DbSession
from app.models import Issue
from app.models.backing import CURRENCY, Backing, BackingStatus, MatchingPeriod
from app.services.funding import ledger, pending_backings
from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import positive_cents
from budgets.accounts import escrow_account
from budgets.money import format_money

# Backings that count as money behind the problem (refunded and moved ones no longer do).
LIVE_STATUSES = (BackingStatus.HELD.value, BackingStatus.COMMITTED.value)
# Backings that count against one resident's cap: the live ones and those waiting for the cashier.
CAPPED_STATUSES = (BackingStatus.PENDING.value, *LIVE_STATUSES)


def default_backer_cap() -> int:
    return int(current_app.config["BACKING_DEFAULT_CAP_CENTS"])


def open_period(session: DbSession, issue: Issue, now: datetime) -> MatchingPeriod | None:
    """The matching period a backing of the problem joins now: the open one its waiting or held
    backings already belong to, so a campaign keeps its deadline, cap and match (found from outside:
    an area's period opened beside a running city-wide one moved ten backers' deadline a week earlier
    and raised the cap tenfold); else the area's own open period, else a city-wide one."""
    is_open = (
        MatchingPeriod.opens_at <= now,
        MatchingPeriod.closes_at > now,
        MatchingPeriod.closed_at.is_(None),
    )
    running = session.scalar(
        select(MatchingPeriod)
        .join(Backing, Backing.period_id == MatchingPeriod.id)
        .where(
            Backing.issue_id == issue.id,
            Backing.status.in_((BackingStatus.PENDING.value, BackingStatus.HELD.value)),
            *is_open,
        )
        .order_by(MatchingPeriod.opens_at, MatchingPeriod.id)
        .limit(1)
    )
    if running is not None:
        return running
    return session.scalar(
        select(MatchingPeriod)
        .where(*is_open, or_(MatchingPeriod.area_id == issue.area_id, MatchingPeriod.area_id.is_(None)))
        .order_by(MatchingPeriod.area_id.is_(None), MatchingPeriod.closes_at, MatchingPeriod.id)
        .limit(1)
    )


# The smallest backing, as the smallest pledge a pool takes by default: found from outside, a backing of
# one cent drew about EUR 4 of the city's quadratic match (each backer counts, however little they give),
# and a cashier would handle one-cent transfers.
MIN_BACKING_CENTS = 100


def check_amount_cents(raw: object, cap_cents: int, already_cents: int, field: str = "amount_cents") -> int:
    """Whole cents, more than zero, and with the resident's earlier backings at most the cap."""
    cents = positive_cents(raw, field)
    if already_cents + cents > cap_cents:
        left = max(0, cap_cents - already_cents)
        rest = (
            f"you can add up to {format_money(left, CURRENCY)}."
            if left
            else "you have backed it with that much already."
        )
        raise ValidationError(
            f"One resident may back a problem with at most {format_money(cap_cents, CURRENCY)}; {rest}", field
        )
    return cents


def still_needed(session: DbSession, issue: Issue) -> tuple[int, int]:
    """(what the cost still takes, what is waiting for the cashier): the cost less the escrow and less
    the backings waiting, which are not money yet but are promised (found in review: two bank
    transfers of 60.00, each within the 100.00 still needed when made, were both confirmed and held
    120.00 for it)."""
    waiting = pending_backings.pending_cents(session, issue.id)
    escrow = ledger.account_balance(session, escrow_account(issue.id))
    return (issue.cost_estimate_cents or 0) - escrow - waiting, waiting


def check_needed(session: DbSession, issue: Issue, cents: int) -> None:
    """A backing never takes the money held past the cost (found from outside: backings of 25.00 and
    20.00 committed 45.00 to a 30.00 fix), nor past it with the backings waiting for the cashier; and
    is at least MIN_BACKING_CENTS unless the cost needs less."""
    need, waiting = still_needed(session, issue)
    if cents <= need:
        # At least MIN_BACKING_CENTS, or what the cost still needs where that is less (the last cents).
        if cents < min(MIN_BACKING_CENTS, need):
            least = format_money(MIN_BACKING_CENTS, CURRENCY)
            raise ValidationError(
                f"The smallest backing is {least} (or what the problem still needs, if less).", "amount_cents"
            )
        return
    cost_text, waiting_text = (
        format_money(issue.cost_estimate_cents or 0, CURRENCY),
        format_money(waiting, CURRENCY),
    )
    if need <= 0 < waiting:
        message = (
            f"Backings waiting for the cashier ({waiting_text}) already cover the rest of its cost of "
            f"{cost_text}. If the cashier cancels one, the problem can be backed again."
        )
    else:
        most = format_money(max(need, 0), CURRENCY)
        also = f" ({waiting_text} more is waiting for the cashier)" if waiting else ""
        message = (
            f"This problem needs {most} more to reach its cost of {cost_text}{also}: back it with at most "
            f"{most}."
        )
    raise ValidationError(message, "amount_cents")


def backed_by(session: DbSession, user_id: int, issue_id: int) -> int:
    """What counts against the resident's cap: pending, held and committed backings of the problem."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Backing.amount_cents), 0)).where(
                Backing.user_id == user_id,
                Backing.issue_id == issue_id,
                Backing.status.in_(CAPPED_STATUSES),
            )
        )
        or 0
    )
