"""Tallying a round: claim it atomically, read its ballots, run the rule, record a provisional result.

Exactly one tally per round: `claim` is a conditional UPDATE (write-first) that sets the round's
tally token only while none is set (or the holder's lease lapsed, see lease.py) and the round is in
the phase a tally closes. A second tally (concurrent or later) gets 409. The recording step is one
transaction that starts by locking the round for its token (`lease.hold`) and ends by moving it to
tallied with a provisional result: the snapshot, the candidates' outcomes, the money figures and the
audit entry are committed together or not at all. A failure rolls it back and `release` clears the
token so the tally can be retried.

A tally posts no money and plans no work: the result stays provisional (visible to the group) until a
city official certifies it (certification.py posts the match, the allocation and the leftover and
moves funded problems to "planned" in the official's name) or sends it back to be tallied again.
A round with a minimum turnout is held below it: the claim refuses (409) until an official releases
the tally (turnout.py) or cancels the round.

The money: the pool's balance plus the city match the round would add (money.preview). The
allocation is computed on that budget outside the write transaction (so large tallies can report
progress) and computed again inside it if confirmed money changed meanwhile.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import func, or_, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Like, Membership, Pool, Round, RoundBallot, User
from app.models.paper import PaperStatus
from app.models.rounds import Phase, ResultStatus
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.city_time import city_time
from app.services.kernel.errors import Conflict
from app.services.rounds import (
    candidates,
    eligibility,
    explanations,
    lease,
    paper_ballots,
    paper_voters,
    tally_ballots,
    turnout,
    windows,
)
from app.services.rounds import engine as round_engine
from app.services.rounds import like_ballots as likes_round
from app.services.rounds import money as round_money
from app.services.rounds import posting as tally_posting
from app.services.rounds.access import get_round, require_runner
from app.services.rounds.ballots import ballot_count
from app.services.rounds.candidates import Candidate
from budgets.allocation import Allocation, counted

# (stage, done, total, message): progress within a stage (candidates, ballots, rule, posting).
Report = Callable[[str, int, int, str], None]
BALLOT_CHUNK = 5000


@dataclass(frozen=True)
class TallyInputs:
    candidates: list[Candidate]
    ballots: list[dict[int, int]]
    members: int
    snapshotted: bool
    withdrawn: dict[int, str] = field(default_factory=dict)  # candidates left out, with why

    @property
    def standing(self) -> list[Candidate]:
        """The candidates the rule runs on: those still on offer."""
        return [c for c in self.candidates if c.issue_id not in self.withdrawn]


@dataclass(frozen=True)
class TallySummary:
    round_id: int
    budget_cents: int
    spent_cents: int
    leftover_cents: int
    funded: list[tuple[int, int]]


def _quiet(_stage: str, _done: int, _total: int, _message: str) -> None:
    return None


def claim(session: DbSession, user: User, round_id: int, token: str) -> Round:
    """Take the round for this tally, or raise Conflict (409) saying why it cannot be tallied."""
    found = get_round(session, round_id)
    require_runner(session, user, found.group_id, "tally a round")
    closing = Phase.VOTING.value if found.has_voting_phase else Phase.PLEDGING.value
    opens = windows.opens_later(found, utcnow())
    if found.phase == closing and opens is not None:
        # Found from outside: a tally before the window opened closed voting before anyone could vote.
        raise Conflict(
            f"Voting has not opened yet: it opens at {city_time(opens)}; the round can be tallied once "
            "voting has run.",
            "opens_at",
        )
    if found.phase == closing and found.tally_token is None:
        turnout.require_quorum(session, found)
    taken = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase == closing,
            or_(Round.tally_token.is_(None), Round.tally_lease_expires_at < utcnow()),
        )
        .values(tally_token=token, tally_lease_expires_at=None)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not taken:
        session.refresh(found)
        if found.phase in (Phase.TALLIED.value, Phase.CLOSED.value):
            raise Conflict("This round has already been tallied.", "phase")
        if found.tally_token is not None:
            raise Conflict("A tally of this round is already running.", "phase")
        raise Conflict(
            f"A round is tallied when its {closing} phase is open; this one is {found.phase}.", "phase"
        )
    # After the claim: a paper entry re-reads the round under a share lock once written, so one not
    # committed yet waits for this transaction and then finds the round tallied; one committed is seen.
    _require_paper_settled(session, found)
    lease.retire_others(session, round_id, token)  # jobs of a lapsed tally this claim took over
    session.refresh(found)
    if likes_round.is_likes_round(found) and found.voting_closed_at is None:
        # The tally closes voting: the likes are snapshotted as ballots before they are read.
        written = likes_round.close_and_snapshot(session, found, utcnow())
        if written is not None:
            audit.record(session, user, "round.voting_close", "round", round_id, by="tally", ballots=written)
    return found


def _require_paper_settled(session: DbSession, found: Round) -> None:
    """Refuse the tally (the caller rolls its claim back) while paper ballots wait for a second entry or
    a third look: the tally ends their entry, so they would never count (found from outside: a
    disputed paper ballot was dropped without a word when the admin closed voting and tallied)."""
    by_status = paper_ballots.counts(session, found.id)
    waiting = sum(by_status[status] for status in paper_ballots.OPEN)
    if waiting:
        raise Conflict(
            f"{counted(waiting, 'paper ballot')} {'is' if waiting == 1 else 'are'} not settled yet (waiting "
            "for a second entry or a third look): a city official settles or voids "
            f"{'it' if waiting == 1 else 'them'} on the round's paper ballots page, then the round can be "
            "tallied.",
            "paper_ballots",
        )


def release(session: DbSession, round_id: int, token: str) -> None:
    """Give the round back after a failed tally (only the tally holding `token` can)."""
    session.execute(
        update(Round)
        .where(Round.id == round_id, Round.tally_token == token, Round.phase != Phase.TALLIED.value)
        .values(tally_token=None, tally_lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def voting_ballots(session: DbSession, found: Round, report: Report) -> list[dict[int, int]]:
    """Online ballots of residents who may vote (eligibility.py), then agreed paper ballots.

    One who left the group, or whose census entry was replaced, no longer counts, exactly as the
    ballot page would now refuse them. A census voter never counts twice: paper entry refuses a voter
    who voted online, and online voting refuses one whose paper ballot is entered; should both land
    at the same moment, the agreed paper ballot counts and the online one is left out. A round without
    paper ballots reads as before.
    """
    round_id = found.id
    total = ballot_count(session, round_id)
    voters = eligibility.eligible_voters(found, eligibility.area_of(session, found)[0])
    papered = paper_voters.census_paper_voters(session, round_id, (PaperStatus.AGREED.value,))
    rows = session.execute(
        select(RoundBallot.user_id, RoundBallot.choices)
        .where(RoundBallot.round_id == round_id, RoundBallot.user_id.in_(voters))
        .order_by(RoundBallot.id)
    ).tuples()
    ballots: list[dict[int, int]] = []
    for user_id, choices in rows:
        if user_id in papered:
            continue
        ballots.append({int(k): int(v) for k, v in choices.items()})
        if len(ballots) % BALLOT_CHUNK == 0:
            report("ballots", len(ballots), total, f"Read {len(ballots):,} of {total:,} ballots")
    ballots.extend(paper_voters.agreed_choices(session, round_id))
    return ballots


def like_ballots(session: DbSession, group_id: int, issue_ids: list[int]) -> list[dict[int, int]]:
    """Without a voting phase, each member's likes on the candidates are their approval ballot."""
    if not issue_ids:
        return []
    rows = session.execute(
        select(Like.user_id, Like.issue_id)
        .join(Membership, (Membership.user_id == Like.user_id) & (Membership.group_id == group_id))
        .where(Like.issue_id.in_(issue_ids))
        .order_by(Like.user_id, Like.issue_id)
    ).tuples()
    by_member: dict[int, dict[int, int]] = defaultdict(dict)
    for user_id, issue_id in rows:
        by_member[user_id][issue_id] = 1
    return list(by_member.values())


def load_inputs(session: DbSession, found: Round, report: Report = _quiet) -> TallyInputs:
    listed, snapshotted = candidates.current(session, found)
    report("candidates", 1, 1, f"{len(listed)} candidates")
    if likes_round.reads_live(found):  # a likes round still voting (an export): its likes now
        ballots = list(likes_round.live_ballots(session, found).values())
    elif found.has_voting_phase:
        ballots = voting_ballots(session, found, report)
    else:
        ballots = like_ballots(session, found.group_id, [c.issue_id for c in listed])
    report("ballots", 1, 1, f"Read {len(ballots):,} ballots")
    # Turnout's denominator: the eligible count taken when voting opened, else counted now.
    eligible = found.members_count
    if eligible is None or not found.has_voting_phase:
        eligible = eligibility.eligible_count(session, found)
    left_out = candidates.withdrawn(session, [c.issue_id for c in listed])
    return TallyInputs(listed, ballots, eligible, snapshotted, left_out)


def compute(found: Round, inputs: TallyInputs, budget_cents: int, report: Report = _quiet) -> Allocation:
    election = round_engine.build_election(found.ballot, inputs.standing, inputs.ballots, budget_cents)

    def engine_progress(step: int, per_voter_budget: int) -> None:
        # The search's length is not known ahead: an open-ended stage (total 0) that creeps on.
        report("rule", step, 0, f"Running {found.rule}")

    return round_engine.allocate(found.rule, election, engine_progress)


def post(
    session: DbSession,
    actor: User,
    found: Round,
    token: str,
    inputs: TallyInputs,
    allocation: Allocation | None,
    preview_budget: int | None,
) -> TallySummary:
    """The write transaction: snapshot, the candidates' outcomes, the provisional result, the audit.

    Its first write holds the round for `token` (Conflict if another tally took it over), its last
    moves the round to tallied; the caller commits once, so a crash anywhere leaves none of it.
    No money moves here: certification posts it.
    """
    lease.hold(session, found.id, token)
    if not inputs.snapshotted:
        candidates.store_snapshot(session, found.id, inputs.candidates)
    money = round_money.preview(session, found)
    budget = money.budget_cents
    # A candidate withdrawn (closed, merged, hidden) since the inputs were read is left out too.
    withdrawn = candidates.withdrawn(session, [c.issue_id for c in inputs.candidates])
    if withdrawn != inputs.withdrawn:
        inputs, allocation = replace(inputs, withdrawn=withdrawn), None
    if allocation is None or budget != preview_budget:
        allocation = compute(found, inputs, budget)
    funded = [(int(pid), allocation.explanations[pid].cost) for pid in allocation.selected]
    figures = explanations.tally_figures(allocation, inputs.ballots, found.ballot)
    tally_posting.record_results(session, found, allocation, figures)
    tally_posting.record_withdrawn(session, found, inputs.withdrawn, inputs.ballots)
    leftover = budget - allocation.spent
    now = utcnow()
    session.execute(
        update(Round)
        .where(Round.id == found.id)
        .values(
            phase=Phase.TALLIED.value,
            tallied_at=now,
            result_status=ResultStatus.PROVISIONAL.value,
            voting_closed_at=func.coalesce(Round.voting_closed_at, now),
            pool_cents=money.pool_cents,
            match_cents=money.match_cents,
            budget_cents=budget,
            spent_cents=allocation.spent,
            leftover_cents=leftover,
            ballots_count=len(inputs.ballots),
            members_count=inputs.members,
            engine_notes="\n".join(allocation.notes),
            tally_ballots=tally_ballots.dumps(inputs.ballots),
        )
        .execution_options(synchronize_session=False)
    )
    audit.record(
        session,
        actor,
        "round.tally",
        "round",
        found.id,
        result="provisional",
        ballots=len(inputs.ballots),
        budget_cents=budget,
        spent_cents=allocation.spent,
        funded=[issue_id for issue_id, _ in funded],
        currency=session.scalar(select(Pool.currency).where(Pool.id == found.pool_id)),
    )
    session.flush()
    session.refresh(found)
    return TallySummary(found.id, budget, allocation.spent, leftover, funded)


def tally_now(session: DbSession, actor: User, round_id: int, token: str) -> TallySummary:
    """The whole tally inside the caller's transaction (small rounds, tests): claim first, then post."""
    found = claim(session, actor, round_id, token)
    inputs = load_inputs(session, found)
    return post(session, actor, found, token, inputs, None, None)


def tally_in_stages(
    session: DbSession, actor: User, round_id: int, token: str, report: Report
) -> TallySummary:
    """A claimed round's tally for a background job: reads and the rule outside the write transaction.

    The caller has committed the claim; `report` may commit progress (and renew the lease), so it is
    called only before the write transaction starts, and must commit on the "posting" stage so that
    transaction starts with its write.
    """
    found = get_round(session, round_id)
    if found.tally_token != token:
        raise Conflict("This tally no longer holds the round.", "phase")
    inputs = load_inputs(session, found, report)
    preview = round_money.preview(session, found).budget_cents
    allocation = compute(found, inputs, preview, report)
    report("posting", 0, 1, "Recording the provisional result")
    return post(session, actor, found, token, inputs, allocation, preview)
