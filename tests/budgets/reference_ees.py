"""A slow, direct Exact Equal Shares with add-opt and add-opt-skip, voter by voter in Fractions (test oracle).

Written from the definitions in Kraiczy, Robinson and Elkind, "Streamlining Equal Shares" (2025),
independently of budgets.ees_engine: no classes, no bounds, no laziness. The change points are
found by trying every per-voter budget at which some voter's leftover in some round could equal
some project's equal share, and checking the run there and between those budgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from budgets import Election
from budgets.election import ballot_points

Run = tuple[tuple[int, int], ...]  # (project, payers) per round; payers 0 for a free project


@dataclass(frozen=True)
class Rounds:
    """A run; per round everyone's leftover before it and the (rho, tie) it chose (None at the end)."""

    run: Run
    states: tuple[tuple[tuple[Fraction, ...], tuple[Fraction, tuple[int, int, int]] | None], ...]
    payments: tuple[dict[int, Fraction], ...]


def supporters(election: Election) -> list[list[int]]:
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    found: list[list[int]] = [[] for _ in election.projects]
    for v, ballot in enumerate(election.ballots):
        for pid, points in ballot_points(ballot, election.vote_type):
            if points > 0:
                found[index[pid]].append(v)
    return found


def scale(election: Election, p: int) -> int:
    cost_utility = election.vote_type in ("approval", "choose-1")
    return election.projects[p].cost if cost_utility else 1


def tie(election: Election, backers: list[list[int]], p: int) -> tuple[int, int, int]:
    return (election.projects[p].cost, -len(backers[p]), p)


def payers(cost: int, held: list[Fraction]) -> int:
    """Most voters among `held` who can each pay cost / k (the k richest); 0 when none can."""
    ordered = sorted(held)
    for i, amount in enumerate(ordered):
        if Fraction(cost, len(ordered) - i) <= amount:
            return len(ordered) - i
    return 0


def ees(election: Election, per_voter: Fraction) -> Rounds:
    backers = supporters(election)
    cost_utility = election.vote_type in ("approval", "choose-1")
    left = [per_voter] * len(election.ballots)
    paid: list[dict[int, Fraction]] = [{} for _ in election.ballots]
    run: list[tuple[int, int]] = []
    states = []
    open_ = []
    for p, project in enumerate(election.projects):
        if not backers[p] or (project.cost == 0 and cost_utility):
            continue
        if project.cost == 0:
            run.append((p, 0))
        else:
            open_.append(p)
    while True:
        best = None
        for p in open_:
            k = payers(election.projects[p].cost, [left[v] for v in backers[p]])
            if k:
                key = (Fraction(election.projects[p].cost, k * scale(election, p)), tie(election, backers, p))
                if best is None or key < best[0]:
                    best = (key, p, k)
        states.append((tuple(left), None if best is None else best[0]))
        if best is None:
            return Rounds(tuple(run), tuple(states), tuple(paid))
        _, p, k = best
        share = Fraction(election.projects[p].cost, k)
        for v in backers[p]:
            if left[v] >= share:
                left[v] -= share
                paid[v][p] = share
        run.append((p, k))
        open_.remove(p)


def candidates(election: Election, rounds: Rounds, per_voter: Fraction) -> list[Fraction]:
    """Every increase d > 0 at which a voter's leftover in some round reaches some cost / k."""
    found = set()
    n = len(election.ballots)
    for left, _ in rounds.states:
        for project in election.projects:
            for k in range(1, n + 1):
                for amount in set(left):
                    d = Fraction(project.cost, k) - amount
                    if d > 0:
                        found.add(d)
    return sorted(found)


def change(election: Election, per_voter: Fraction) -> Fraction | None:
    """The smallest d > 0 with a different run at per_voter + d, checked at and between all candidates."""
    here = ees(election, per_voter)
    points = candidates(election, here, per_voter)
    previous = Fraction(0)
    for d in points:
        for probe in ((previous + d) / 2, d):
            if ees(election, per_voter + probe).run != here.run:
                assert probe == d, "the run changed between two candidate budgets"
                return d
        previous = d
    assert ees(election, per_voter + previous + 1).run == here.run
    return None


def change_skip(election: Election, per_voter: Fraction) -> Fraction | None:
    """The least d > 0 at which, in some round, a project the run leaves out beats the round's choice."""
    here = ees(election, per_voter)
    backers = supporters(election)
    funded = {p for p, _ in here.run}
    best = None
    for left, chosen in here.states:
        for p, project in enumerate(election.projects):
            if p in funded or not backers[p] or (project.cost == 0 and scale(election, p) == 0):
                continue
            for d in candidates(election, here, per_voter):
                if best is not None and d >= best:
                    break
                k = payers(project.cost, [left[v] + d for v in backers[p]])
                if not k:
                    continue
                key = (Fraction(project.cost, k * scale(election, p)), tie(election, backers, p))
                if chosen is None or key < chosen:
                    best = d
                    break
    return best


def add_opt(election: Election, *, skip: bool) -> tuple[Run, Fraction, tuple[dict[int, Fraction], ...]]:
    """The completion: follow the change points while the run's cost fits the budget."""
    per_voter = Fraction(election.budget, max(len(election.ballots), 1))
    here = ees(election, per_voter)
    supported = supporters(election)
    cost_utility = election.vote_type in ("approval", "choose-1")
    fundable = sum(
        1 for p, pr in enumerate(election.projects) if supported[p] and (pr.cost > 0 or not cost_utility)
    )
    while len(here.run) < fundable:
        step = change_skip(election, per_voter) if skip else change(election, per_voter)
        if step is None:
            break
        trial = ees(election, per_voter + step)
        if sum(election.projects[p].cost for p, _ in trial.run) > election.budget:
            break
        here, per_voter = trial, per_voter + step
    return here.run, per_voter, here.payments
