"""A tallied round's results: funded and unfunded candidates with amounts and reasons, money, turnout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Issue, Pool, Round, RoundCandidate
from app.models.rounds import Phase, ResultStatus
from app.models.timestamps import rfc3339
from app.services.issues.public_titles import public_title
from app.services.kernel.errors import Conflict
from app.services.rounds import explanations
from app.services.rounds.access import get_round
from budgets.allocation import counted


@dataclass(frozen=True)
class CandidateResult:
    issue_id: int
    title: str
    position: int
    cost_cents: int
    likes: int
    funded: bool
    amount_cents: int
    score: int | None
    explanation: str
    lat: float
    lon: float
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundResults:
    round_id: int
    name: str
    rule: str
    currency: str
    funded: list[CandidateResult]
    unfunded: list[CandidateResult]
    pool_cents: int
    match_cents: int
    budget_cents: int
    spent_cents: int
    leftover_cents: int
    leftover: str
    ballots: int
    members: int
    notes: list[str]
    status: str = "provisional"
    certified_at: datetime | None = None
    ballot: str = "approval"

    def sentence(self, c: CandidateResult) -> str:
        """Why the candidate was or was not funded, in one plain sentence in money (the results page's),
        and, under most votes first, the tie that put a funded one before it."""
        outcome = explanations.Outcome(c.funded, c.cost_cents, c.score, c.details)
        said = explanations.sentence(self.rule, self.ballot, outcome, self.budget_cents, self.currency)
        tied = self._tied_before(c)
        if tied is None:
            return said
        unit = counted(c.score or 0, "point" if self.ballot == "cumulative" else "vote")
        return (
            f"{said} It tied on {unit} with \u201c{tied.title}\u201d, which the list ranks first "
            "(more likes, then the older report), so that one's turn came first."
        )

    def _tied_before(self, c: CandidateResult) -> CandidateResult | None:
        """Under most votes first, a funded candidate with as many votes listed before an unfunded one
        (found from outside: the tie that decided was never named)."""
        if explanations.family(self.rule) != "greedy" or c.funded or not c.score or "withdrawn" in c.details:
            return None
        return next((f for f in self.funded if f.score == c.score and f.position < c.position), None)

    @property
    def turnout_percent(self) -> int:
        return round(100 * self.ballots / self.members) if self.members else 0

    def to_json(self) -> dict[str, Any]:
        def item(c: CandidateResult) -> dict[str, Any]:
            return {
                "issue_id": c.issue_id,
                "title": c.title,
                "amount_cents": c.amount_cents,
                "cost_cents": c.cost_cents,
                "score": c.score,
                "sentence": self.sentence(c),
                "explanation": c.explanation,
                "details": c.details,
            }

        return {
            "round_id": self.round_id,
            "rule": self.rule,
            "currency": self.currency,
            "funded": [item(c) for c in self.funded],
            "unfunded": [item(c) for c in self.unfunded],
            "pool_cents": self.pool_cents,
            "match_cents": self.match_cents,
            "budget_cents": self.budget_cents,
            "spent_cents": self.spent_cents,
            "leftover_cents": self.leftover_cents,
            "leftover": self.leftover,
            "turnout": {"ballots": self.ballots, "members": self.members},
            "notes": self.notes,
            "status": self.status,
            "certified_at": None if self.certified_at is None else rfc3339(self.certified_at),
        }


def is_tallied(found: Round) -> bool:
    """Tallied and not cancelled: there is a result (provisional or certified) to show."""
    return found.phase in (Phase.TALLIED.value, Phase.CLOSED.value) and found.result_status in (
        ResultStatus.PROVISIONAL.value,
        ResultStatus.CERTIFIED.value,
    )


def results(session: DbSession, round_id: int) -> RoundResults:
    found = get_round(session, round_id)
    if not is_tallied(found):
        raise Conflict("This round has not been tallied yet.", "phase")
    rows = session.execute(
        select(
            RoundCandidate.issue_id,
            public_title(),
            RoundCandidate.position,
            RoundCandidate.cost_cents,
            RoundCandidate.likes,
            RoundCandidate.funded,
            RoundCandidate.amount_cents,
            RoundCandidate.score,
            RoundCandidate.explanation,
            Issue.lat,
            Issue.lon,
            RoundCandidate.details,
        )
        .join(Issue, Issue.id == RoundCandidate.issue_id)
        .where(RoundCandidate.round_id == round_id)
        .order_by(RoundCandidate.position)
    ).tuples()
    items = [
        CandidateResult(i, t, p, cost, likes, bool(f), int(a or 0), s, e or "", lat, lon, d or {})
        for i, t, p, cost, likes, f, a, s, e, lat, lon, d in rows
    ]
    currency = session.scalar(select(Pool.currency).where(Pool.id == found.pool_id)) or "EUR"
    return RoundResults(
        round_id=found.id,
        name=found.name,
        rule=found.rule,
        currency=currency,
        funded=[c for c in items if c.funded],
        unfunded=[c for c in items if not c.funded],
        pool_cents=found.pool_cents or 0,
        match_cents=found.match_cents or 0,
        budget_cents=found.budget_cents or 0,
        spent_cents=found.spent_cents or 0,
        leftover_cents=found.leftover_cents or 0,
        leftover=found.leftover,
        ballots=found.ballots_count or 0,
        members=found.members_count or 0,
        notes=[n for n in (found.engine_notes or "").split("\n") if n],
        status=found.result_status or "provisional",
        certified_at=found.certified_at,
        ballot=found.ballot,
    )
