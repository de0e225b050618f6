"""Money behind one problem: residents' backings held in its escrow, and the city's matching periods.

A backing is a resident's micro-investment in a costed, open problem. Its money sits in the ledger account
issue:<id>:escrow (budgets/accounts.escrow_account) while the campaign runs; when the problem is funded it
is committed (escrow -> issue:<id>:funded), otherwise every backing is refunded to its resident or, if the
backer chose so, moved to their area's pool. A matching period is the city's quadratic-funding fund for
the backings made while it is open; its matches are posted only when the period closes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.timestamps import utcnow

CURRENCY = "EUR"  # backings and matching periods are in the city's currency
MOVED_PROVIDER = "backing"  # the provider name of a pledge made of a backing moved to a pool


class MatchingPeriod(Model):
    """The city's matching fund for one campaign period (city-wide when `area_id` is NULL).

    Fund and caps are fixed once the period opens; `closed_at` is set when its matches are posted.
    """

    __tablename__ = "matching_periods"
    __table_args__ = (Index("ix_matching_periods_window", "opens_at", "closes_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]  # the campaign's deadline for the problems backed in it
    fund_cents: Mapped[int] = mapped_column(BigInteger)
    problem_cap_cents: Mapped[int] = mapped_column(BigInteger)  # most match one problem may get
    backer_cap_cents: Mapped[int] = mapped_column(BigInteger)  # most one resident may back one problem with
    closed_at: Mapped[datetime | None]
    # Set at close: whether the fund was shared among problems asking for more (None: closed before
    # this was kept; the page then judges from the posted figures).
    fund_short: Mapped[bool | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BackingStatus(StrEnum):
    PENDING = "pending"  # waiting for the city's cashier to confirm the money arrived; nothing posted
    CANCELLED = "cancelled"  # a pending backing the cashier cancelled or its campaign ended: nothing moved
    HELD = "held"  # in the problem's escrow
    COMMITTED = "committed"  # the problem was funded: the money is the problem's
    REFUNDED = "refunded"  # returned to the resident
    MOVED = "moved"  # moved to the resident's area pool, as they chose


class BackingFallback(StrEnum):
    REFUND = "refund"
    POOL = "pool"


class Backing(Model):
    """One resident's money behind one problem; the same (resident, Idempotency-Key) is one backing."""

    __tablename__ = "backings"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_backings_user_key"),
        Index("ix_backings_issue_status", "issue_id", "status"),
        Index("ix_backings_period_issue", "period_id", "issue_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("matching_periods.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=BackingStatus.HELD.value)
    fallback: Mapped[str] = mapped_column(String(10), default=BackingFallback.REFUND.value)
    show_name: Mapped[bool] = mapped_column(default=False)
    provider: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None]
    # A backing paid to the city's cashier, then refunded or moved to a pool: when the cashier paid the
    # resident back, or handed the money to the group's treasurer (backing_paybacks.py).
    paid_back_at: Mapped[datetime | None] = mapped_column(default=None)
