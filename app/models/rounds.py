"""Participatory-budgeting rounds of a pool: phases, candidate snapshots, ballots and tally jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.timestamps import utcnow


class Phase(StrEnum):
    DRAFT = "draft"
    PLEDGING = "pledging"
    VOTING = "voting"
    TALLIED = "tallied"
    CLOSED = "closed"


PHASE_ORDER: tuple[str, ...] = tuple(p.value for p in Phase)


class ResultStatus(StrEnum):
    PROVISIONAL = "provisional"  # tallied, visible to the group, no money posted
    CERTIFIED = "certified"  # an official certified it: the allocation is on the ledger
    CANCELLED = "cancelled"  # an official cancelled the round (e.g. turnout too low): nothing posted


class Round(Model):
    """One participatory-budgeting cycle of a pool; its phases only move forward."""

    __tablename__ = "rounds"
    __table_args__ = (Index("ix_rounds_group_created", "group_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    ballot: Mapped[str] = mapped_column(String(20))  # approval | k-approval | knapsack | cumulative
    k: Mapped[int | None]  # k-approval: most approvals per ballot
    points: Mapped[int | None]  # cumulative: points each member may spread
    rule: Mapped[str] = mapped_column(String(30))  # a name in app/services/rounds/lifecycle.RULES
    top_n: Mapped[int]
    match_num: Mapped[int | None]
    match_den: Mapped[int | None]
    match_cap_cents: Mapped[int | None] = mapped_column(BigInteger)
    leftover: Mapped[str] = mapped_column(String(10))  # rollover | refund
    has_voting_phase: Mapped[bool] = mapped_column(default=True)
    # Who may vote (app/models/eligibility.Eligibility): chosen at creation, frozen when voting opens.
    eligibility: Mapped[str] = mapped_column(String(10), default="members", server_default="members")
    phase: Mapped[str] = mapped_column(String(10), default=Phase.DRAFT.value)
    # Set by the one tally that won the atomic claim; NULL while no tally runs or after one failed.
    tally_token: Mapped[str | None] = mapped_column(String(40))
    # The claim's lease: a running tally renews it; once past, another attempt may take the round over.
    # NULL with a token: claimed for a queued job that no worker has started yet.
    tally_lease_expires_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    pledging_at: Mapped[datetime | None]
    voting_at: Mapped[datetime | None]
    tallied_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    # The tally's money (cents) and turnout, kept for the results page.
    pool_cents: Mapped[int | None] = mapped_column(BigInteger)  # what the pool held before the match
    match_cents: Mapped[int | None] = mapped_column(BigInteger)
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    spent_cents: Mapped[int | None] = mapped_column(BigInteger)
    leftover_cents: Mapped[int | None] = mapped_column(BigInteger)
    ballots_count: Mapped[int | None]
    members_count: Mapped[int | None]
    engine_notes: Mapped[str | None] = mapped_column(Text)
    # The ballots the tally counted, as JSON (app/services/rounds/tally_ballots.py): anonymous, in the
    # order counted, so the round's Pabulib export stays its result's file whoever leaves later. NULL
    # before a tally, and for rounds tallied before it was kept.
    tally_ballots: Mapped[str | None] = mapped_column(Text)
    # Certification (app/services/rounds/certification.py): a tally's result is provisional until a city
    # official certifies it (only then is money posted) or sends it back; NULL before any tally.
    result_status: Mapped[str | None] = mapped_column(String(12))  # ResultStatus
    certified_at: Mapped[datetime | None]
    certified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    sent_back_at: Mapped[datetime | None]
    official_note: Mapped[str | None] = mapped_column(Text)  # why it was last sent back or cancelled
    # Voting window (app/services/rounds/windows.py): optional times the scheduled job opens and closes
    # voting at; NULL means by hand. `voting_closed_at` is set when voting closes (by hand, on schedule,
    # or by the tally); ballots are refused from then on.
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    voting_closed_at: Mapped[datetime | None]
    reminders_sent_at: Mapped[datetime | None]
    # The least number of ballots (of members, without a voting phase) for a tally to run unheld;
    # below it an official releases the tally (`turnout_released_at`) or cancels the round.
    min_turnout: Mapped[int | None]
    turnout_released_at: Mapped[datetime | None]

    @property
    def cancelled_before_voting(self) -> bool:
        """Cancelled before any ballot could be cast: before the voting phase, or in it before its
        window's start (found from outside: such rounds read "cancelled by the city", "Fixed since
        voting opened")."""
        if self.result_status != "cancelled":
            return False
        if self.voting_at is None:
            return True
        return self.opens_at is not None and self.closed_at is not None and self.closed_at < self.opens_at


class RoundCandidate(Model):
    """A candidate of a round, snapshotted when voting opens (or at tally); the tally fills the result."""

    __tablename__ = "round_candidates"
    __table_args__ = (
        UniqueConstraint("round_id", "issue_id", name="uq_round_candidates_round_issue"),
        Index("ix_round_candidates_issue_funded", "issue_id", "funded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id", ondelete="CASCADE"))
    position: Mapped[int]  # 1 = most liked
    cost_cents: Mapped[int] = mapped_column(BigInteger)
    likes: Mapped[int]
    funded: Mapped[bool | None]
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    score: Mapped[int | None]
    explanation: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class RoundBallot(Model):
    """One ballot per (round, member), replaced by an atomic upsert while voting is open.

    `choices` maps issue ids (as text) to points: 1 per approval, the points given otherwise.
    """

    __tablename__ = "round_ballots"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="uq_round_ballots_round_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    choices: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TallyJob(Model):
    """A tally running outside the request: its progress (0-100), stage and outcome."""

    __tablename__ = "tally_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=JobStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(String(200), default="Waiting to start")
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
