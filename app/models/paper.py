"""Paper ballots of a round: one per voter (a voting code or a census entry), each entered by two officials.

A paper ballot counts once two different officials' entries agree (`status` agreed, `choices` set);
when they disagree it waits for a third official's entry, which decides, or for an official to void
it. Entries keep who typed what and when; the voter is kept only as the code's or census entry's row,
never as a clear identifier (app/services/rounds/paper_ballots.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.timestamps import utcnow


class PaperStatus(StrEnum):
    AWAITING = "awaiting"  # one entry: waits for a second official
    AGREED = "agreed"  # two entries agree, or a third decided: counts in the tally
    DISPUTED = "disputed"  # two entries disagree: waits for a third official or a void
    VOID = "void"  # an official voided it: never counts


class PaperBallot(Model):
    """One voter's paper ballot in a round; `choices` (issue id as text -> points) once agreed."""

    __tablename__ = "paper_ballots"
    __table_args__ = (
        UniqueConstraint("voting_code_id", name="uq_paper_ballots_code"),
        UniqueConstraint("round_id", "census_entry_id", name="uq_paper_ballots_round_census"),
        Index("ix_paper_ballots_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    voting_code_id: Mapped[int | None] = mapped_column(ForeignKey("voting_codes.id", ondelete="CASCADE"))
    census_entry_id: Mapped[int | None] = mapped_column(ForeignKey("census_entries.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=PaperStatus.AWAITING.value)
    # Bumped by each entry with a conditional UPDATE, so two officials' simultaneous entries serialise.
    entries_count: Mapped[int] = mapped_column(default=0)
    choices: Mapped[dict[str, int] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    void_reason: Mapped[str | None] = mapped_column(String(500))


class PaperBallotEntry(Model):
    """One official's typing of a paper ballot; an official enters a given ballot at most once."""

    __tablename__ = "paper_ballot_entries"
    __table_args__ = (
        UniqueConstraint("paper_ballot_id", "official_id", name="uq_paper_ballot_entries_official"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_ballot_id: Mapped[int] = mapped_column(
        ForeignKey("paper_ballots.id", ondelete="CASCADE"), index=True
    )
    official_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    choices: Mapped[dict[str, int]] = mapped_column(JSON)
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)
