"""The city's quadratic match as posted when a matching period closed: one row per (period, problem)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.backing import Backing

# The match's grouped read (app/services/funding/quadratic_match.compute) reads only this index: a
# period's backings in (problem, resident) order, so neither engine sorts or visits the table.
Index(
    "ix_backings_period_contributions",
    Backing.period_id,
    Backing.issue_id,
    Backing.user_id,
    Backing.status,
    Backing.amount_cents,
)


class PeriodMatchPosting(Model):
    """What a closed period added to one problem; the unique key makes a second close post nothing.

    `ideal_cents`, `backers` and `counted` are the figures the match was computed from (the textbook
    match; all backers of the problem in the period; those whose contribution counted), kept so the
    problem's sentence stays true after its backings are settled. `posting_id` is NULL when the match
    was zero (nothing posted).
    """

    __tablename__ = "period_match_postings"
    __table_args__ = (UniqueConstraint("period_id", "issue_id", name="uq_period_match_postings_problem"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("matching_periods.id"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"), index=True)
    match_cents: Mapped[int] = mapped_column(BigInteger)
    ideal_cents: Mapped[int] = mapped_column(BigInteger)  # the textbook match before caps, to the cent
    backed_cents: Mapped[int] = mapped_column(BigInteger)
    backers: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_postings.id"))
    # Whether the ideal match was above what the cost still needed at close (None: closed before this
    # was kept).
    filled: Mapped[bool | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
