"""API shapes of participatory-budgeting rounds: terms, phases, candidates, ballots, tallies, results."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, RootModel

from app.api.models.common import URI, RequestBody, ResponseBody, absent

BallotKind = Literal["approval", "k-approval", "knapsack", "cumulative", "likes"]
BALLOT_WORDS = (
    "approval, k-approval (with k), knapsack, cumulative (with points), or likes: your likes are your "
    "vote (each member's likes among the candidates are their approval ballot, read live while voting "
    "is open and snapshotted when it closes; no k or points; needs a voting phase)"
)
Rule = Literal[
    "greedy", "equalshares/add1", "phragmen", "exactequalshares/addopt", "exactequalshares/addoptskip"
]
Leftover = Literal["rollover", "refund"]
PhaseName = Literal["draft", "pledging", "voting", "tallied", "closed"]
ResultState = Literal["provisional", "certified", "cancelled"]
Policy = Literal["members", "census", "codes"]
RATIO = r"^[0-9]+:[0-9]+$"


class RoundTurnout(ResponseBody):
    ballots: int = Field(ge=0)
    eligible: int = Field(ge=0, description="counted when voting opened (before: counted now)")
    final: bool = Field(description="true once these are the tally's figures")


class PhaseDate(ResponseBody):
    phase: PhaseName
    at: datetime | None = Field(description="null until the round reaches the phase")


class Round(ResponseBody):
    id: int
    group_id: int
    pool_id: int
    name: str = Field(max_length=120)
    ballot: BallotKind
    k: int | None = Field(description="k-approval: most approvals per ballot; null for other ballots")
    points: int | None = Field(description="cumulative: points per member; null for other ballots")
    rule: Rule
    top_n: int = Field(ge=1)
    match_ratio: str | None = Field(
        pattern=RATIO, description='city cents per pledged cent, e.g. "1:1"; null when the city adds no match'
    )
    match_cap_cents: int | None = Field(
        description="the most the city adds; null when there is no cap or match"
    )
    leftover: Leftover
    voting: bool
    phase: PhaseName
    phases: list[PhaseDate]
    tally_running: bool
    opens_at: datetime | None = Field(description="when the schedule opens voting; null: by hand")
    closes_at: datetime | None = Field(description="when voting closes; null: by hand")
    voting_open: bool = Field(description="true while ballots are taken (phase, window, not closed)")
    voting_closed_at: datetime | None
    min_turnout: int | None = Field(description="ballots needed for the tally to run unheld")
    tally_held: bool = Field(
        description="true while turnout is below min_turnout, voting has opened and no official released "
        "the tally (released only once voting has closed)"
    )
    result_status: ResultState | None = Field(
        description="provisional after a tally, certified by an official (money posted), or cancelled"
    )
    certified_at: datetime | None
    official_note: str | None = Field(description="the official's reason for the last send-back or cancel")
    eligibility: Policy = Field(
        description="who may vote: confirmed members of the group, residents verified against the area's "
        "census, or holders of a voting code; frozen when voting opens"
    )
    turnout: RoundTurnout | None = Field(
        description="ballots of eligible residents of those eligible; null for rounds without a vote"
    )
    url: str = URI


class RoundList(ResponseBody):
    rounds: list[Round]


class RoundsQuery(RequestBody):
    group_id: int = absent("only this group's rounds", ge=1)


class RoundTerms(RequestBody):
    name: str = absent(max_length=120)
    ballot: BallotKind = absent()
    k: int = absent("k-approval: most approvals per ballot", ge=1)
    points: int = absent("cumulative: points per member (default 10)", ge=1)
    rule: Rule = absent()
    top_n: int = absent(ge=1, le=500)
    match_ratio: str = absent("officials only, e.g. 1:1", pattern=RATIO)
    match_cap_cents: int = absent("officials only; no cap when absent", ge=1)
    leftover: Leftover = absent()
    eligibility: Policy = absent(
        "who may vote (default members); changes are audited and refused once voting has opened"
    )


class NewRound(RoundTerms):
    group_id: int
    name: str = Field(max_length=120)
    ballot: BallotKind = Field(description=BALLOT_WORDS)
    rule: Rule = absent("required, except on a likes ballot, where it defaults to equalshares/add1")
    top_n: int = Field(ge=1, le=500)
    leftover: Leftover
    voting: bool = True
    opens_at: datetime = absent("voting opens on schedule at this time (ISO 8601, UTC); absent: by hand")
    closes_at: datetime = absent("voting closes on schedule at this time (ISO 8601, UTC); absent: by hand")
    min_turnout: int = absent("the tally is held for an official below this many ballots", ge=1)


class PhaseMove(RequestBody):
    phase: PhaseName


class Reason(RequestBody):
    reason: str = Field(min_length=1, max_length=1000, description="shown to the group and audited")


class Candidate(ResponseBody):
    issue_id: int
    title: str
    cost_cents: int
    likes: int = Field(ge=0)
    position: int
    url: str = URI


class CandidateList(ResponseBody):
    round_id: int
    snapshot: bool = Field(description="true once voting opened and the list is frozen")
    candidates: list[Candidate]


class ApprovalBallot(RequestBody):
    issue_ids: list[int]


class CumulativeBallot(RequestBody):
    points: dict[str, int] = Field(description="points per issue id")


class BallotChoices(RootModel[ApprovalBallot | CumulativeBallot]):
    pass


class Ballot(ResponseBody):
    round_id: int
    cast: bool
    issue_ids: list[int] = absent(
        "approval-style ballots, once cast; on a likes ballot, the candidates you like (read live until "
        "voting closes, then the snapshot taken at the close)"
    )
    points: dict[str, int] = absent("cumulative ballots, once cast: points per issue id")
    counts: bool = absent(
        "once cast: false when the ballot does not count, because you are no longer a member of the "
        "group (or left it before the tally)"
    )
    not_counted: str = absent('when counts is false: why, in words ("does not count: you are no longer ...")')


class Outcome(ResponseBody):
    issue_id: int
    title: str
    amount_cents: int
    cost_cents: int
    score: int | None
    sentence: str = Field(
        description="why it was or was not funded, in one plain sentence with amounts in the pool's "
        'currency (e.g. "Funded: 4 supporters shared the EUR 7.00 cost; each paid EUR 1.75")'
    )
    explanation: str = Field(description="the allocation engine's own words, amounts in cents")
    details: dict[str, Any]


class Turnout(ResponseBody):
    ballots: int
    members: int


class Results(ResponseBody):
    round_id: int
    rule: Rule
    currency: str
    funded: list[Outcome]
    unfunded: list[Outcome]
    pool_cents: int
    match_cents: int
    budget_cents: int
    spent_cents: int
    leftover_cents: int
    leftover: Leftover
    turnout: Turnout
    notes: list[str]
    status: ResultState = Field(
        description="provisional until a city official certifies it; only certification posts money"
    )
    certified_at: datetime | None


class TallyJob(ResponseBody):
    id: int
    round_id: int
    status: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100)
    stage: str
    error: str | None
    url: str = URI
    page: str = URI
    results: str = URI


class TallyAccepted(ResponseBody):
    job: TallyJob


class EstimateBody(RequestBody):
    cost_cents: int = Field(ge=1)
    # Needed when the money held for the problem covers the estimate: saving then funds it at once.
    fund_now: bool = False


class Estimate(ResponseBody):
    issue_id: int
    cost_cents: int
