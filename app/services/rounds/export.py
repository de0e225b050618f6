"""A round as a Pabulib .pb file, written by budgets/ from the round's candidates, ballots and result.

Costs and the budget are in cents (the platform's unit; META says so in `comment`). A tallied round
exports the budget it was tallied with and the funded projects as `selected`; an untallied one
exports the budget a tally would have now and no `selected` column (a cancelled one says so in its
`comment` and ends on the day it was cancelled). A round's greedy funds nothing without a vote, so it
exports as Pabulib's greedy-threshold with `min_project_score_threshold` 1. Phragmén and Exact Equal
Shares are not among Pabulib's rule names, so their rounds export `rule` as "unknown"; `comment` names
every round's rule ("allocation rule phragmen"), and `python -m budgets check` reads it from there.

The file holds ballots, so it is published once voting has closed (by hand, on schedule, by the
tally or by a cancellation). Found from outside: while voting was open it showed how the vote stood,
and two downloads either side of a changed ballot, beside the public count of ballots, told whose
ballot changed and how.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Area, Group, Pool, Round, RoundCandidate
from app.models.rounds import Phase, ResultStatus
from app.services.kernel.errors import Conflict
from app.services.rounds import candidates, tally, tally_ballots
from app.services.rounds import engine as round_engine
from app.services.rounds import money as round_money
from app.services.rounds.access import get_round
from app.services.rounds.results import is_tallied
from budgets import dumps_pb

# A round's rule -> Pabulib's name: a round's greedy funds nothing without a vote (engine.py).
PABULIB_RULES = {"greedy": "greedy-threshold", "equalshares/add1": "equalshares/add1"}
# Pabulib wants a real country name; a deployment sets PABULIB_COUNTRY to its own.
DEFAULT_COUNTRY = "Germany"


def _day(at: datetime | None) -> str:
    return (at or datetime(1970, 1, 1)).strftime("%d.%m.%Y")


def meta_of(session: DbSession, found: Round, budget: int, country: str) -> dict[str, str]:
    group, area = session.execute(
        select(Group.name, Area.name).join(Area, Area.id == Group.area_id).where(Group.id == found.group_id)
    ).one()
    currency = session.scalar(select(Pool.currency).where(Pool.id == found.pool_id)) or "EUR"
    meta = {
        "description": f"{group}: participatory-budgeting round {found.name!r} (Commonfix round {found.id})",
        "country": country,
        "unit": area,
        "instance": str(found.id),
        "rule": PABULIB_RULES.get(found.rule, "unknown"),
        "date_begin": _day(found.voting_at or found.pledging_at or found.created_at),
        "date_end": _day(found.tallied_at or found.voting_at or found.created_at),
        "currency": currency,
        "language": "en",
        "comment": f"#1: costs and budget are in cents of {currency}; allocation rule {found.rule}",
    }
    if found.result_status == ResultStatus.CANCELLED.value:
        # Found reading the export: a cancelled round's file read like any untallied round's, ending on
        # the day voting opened, with nothing saying that no tally was accepted and nothing funded.
        meta["date_end"] = _day(found.closed_at)
        meta["comment"] += (
            f" #2: the round was cancelled on {meta['date_end']}, so no tally was accepted and nothing was"
            " funded; the budget is what a tally would have had when this file was written"
        )
    if found.rule == "greedy":
        meta["min_project_score_threshold"] = str(round_engine.GREEDY_MIN_SCORE)
    if found.ballot == "k-approval" and found.k:
        meta["max_length"] = str(found.k)
    elif found.ballot == "knapsack":
        meta["max_sum_cost"] = str(budget)
    elif found.ballot == "cumulative" and found.points:
        meta["max_sum_points"] = str(found.points)
    return meta


def unlinkable(ballots: Sequence[dict[int, int]]) -> list[dict[int, int]]:
    """The ballots ordered by what they say, so the file's voter numbers follow no voter: the order a
    tally reads them in is the order they were cast (or members' account order, for likes), which
    anyone who knows who voted when could use to tell whose ballot is whose in a small group. Voter
    order changes no rule's outcome."""
    return sorted(ballots, key=lambda ballot: sorted(ballot.items()))


def pb_file(session: DbSession, round_id: int, country: str) -> tuple[str, str]:
    """(the .pb text, a file name) for the round; `country` is the city's (Pabulib requires one).

    A tallied round's file is its result's: the ballots its tally counted (kept with the round),
    whoever left the group or deleted their account since, and the projects it funded; a candidate the
    tally left out (withdrawn: closed, merged, funded by its backers, hidden) is not among its projects
    and its votes are not in the file, so the file reproduces the result (found from outside: it listed
    a withdrawn problem, and `budgets check` then funded it). Rounds
    tallied before the ballots were kept, and rounds not tallied yet, read the ballots as a tally would now.
    """
    found = get_round(session, round_id)
    if found.voting_closed_at is None and not is_tallied(found) and found.phase != Phase.CLOSED.value:
        raise Conflict(
            f"Round {found.id}'s ballots are published once its voting has closed: until then the file "
            "would show how the vote stands.",
            "round_id",
        )
    selected = None
    if is_tallied(found) and found.tally_ballots is not None:
        outcomes = session.execute(
            select(RoundCandidate.issue_id, RoundCandidate.details).where(RoundCandidate.round_id == round_id)
        ).tuples()
        left_out = {issue for issue, details in outcomes if details and "withdrawn" in details}
        listed = [c for c in candidates.current(session, found)[0] if c.issue_id not in left_out]
        ballots = tally_ballots.loads(found.tally_ballots)
    else:
        inputs = tally.load_inputs(session, found)
        listed = inputs.standing if inputs.candidates else candidates.current(session, found)[0]
        ballots = inputs.ballots
    if is_tallied(found):
        budget = found.budget_cents or 0
        selected = set(
            str(i)
            for i in session.scalars(
                select(RoundCandidate.issue_id).where(
                    RoundCandidate.round_id == round_id, RoundCandidate.funded.is_(True)
                )
            )
        )
    else:
        budget = round_money.preview(session, found).budget_cents
    election = round_engine.build_election(
        found.ballot, listed, unlinkable(ballots), budget, meta_of(session, found, budget, country)
    )
    return dumps_pb(election, selected=selected), f"commonfix_round_{found.id}.pb"
