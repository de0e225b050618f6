"""The thin adapter between rounds and the budgets/ engine: elections from candidates and ballots."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import budgets
from app.services.kernel.errors import Conflict
from app.services.rounds.candidates import Candidate
from budgets import Allocation, Ballot, Election, Project
from budgets.greedy import greedy_threshold

Progress = Callable[[int, int], None]

# Round ballot types -> the engine's vote types (k-approval and knapsack are approval ballots
# with a length or cost limit, as in Pabulib's max_length / max_sum_cost; likes are approvals).
VOTE_TYPES = {
    "approval": "approval",
    "k-approval": "approval",
    "knapsack": "approval",
    "cumulative": "cumulative",
    "likes": "approval",  # a member's likes among the candidates, snapshotted when voting closes
}


def build_election(
    ballot_type: str,
    candidates: Sequence[Candidate],
    ballots: Sequence[dict[int, int]],
    budget_cents: int,
    meta: dict[str, str] | None = None,
) -> Election:
    """Projects in rank order (the engine breaks ties by that order), costs and budget in cents."""
    vote_type = VOTE_TYPES[ballot_type]
    projects = tuple(Project(str(c.issue_id), c.cost_cents, {"name": c.title}) for c in candidates)
    known = {c.issue_id for c in candidates}
    built: list[Ballot] = []
    for number, choices in enumerate(ballots, start=1):
        chosen = [(i, p) for i, p in choices.items() if i in known and p > 0]
        ids = tuple(str(i) for i, _ in chosen)
        points = tuple(p for _, p in chosen) if vote_type == "cumulative" else None
        built.append(Ballot(ids, points, str(number)))
    return Election(projects, tuple(built), budget_cents, vote_type, dict(meta or {}))


# A round funds no problem nobody voted for. Found from outside: greedy funded a problem without a
# vote while money was left, and a round without a single ballot spent its pool. Pabulib's greedy has
# no such floor (the proportional rules never fund a project without support); a round's greedy is
# Pabulib's greedy-threshold at one vote or point, and its .pb file says so (export.py).
GREEDY_MIN_SCORE = 1


def allocate(rule: str, election: Election, progress: Progress | None = None) -> Allocation:
    """Run the engine's rule by name; `progress(step, per_voter_budget)` follows add1's steps and
    add-opt's runs (a background tally's heartbeat)."""
    if rule == "greedy":
        return replace(greedy_threshold(election, GREEDY_MIN_SCORE), rule=rule)
    try:
        return budgets.allocate(election, rule, progress=progress)
    except budgets.UnknownRuleError:
        raise Conflict(f"The allocation engine does not offer the rule {rule!r}.", "rule") from None


def explanation_details(allocation: Allocation, issue_id: int) -> dict[str, Any]:
    item = allocation.explanations[str(issue_id)]
    return dict(item.to_dict())
