"""Exact Equal Shares (EES): every voter who pays for a project pays the same share, others pay nothing.

Kraiczy, Robinson and Elkind, "Streamlining Equal Shares" (2025). With per-voter budget b, a
project costing c is affordable by k of its supporters when the k richest of them each hold at
least c / k; it is bought with the largest such k, and each round buys the project with the lowest
rho = c / (k * utility scale) (cost utilities: 1 / k; cardinal utilities: c / k). Ties: lower cost,
more supporters, earlier project. A voter's spending is a sum of shares and does not depend on b,
so voter types are grouped in classes of equal spending (each purchase moves each paying class to
a new class) and a project's supporters are counted by class.

A run also finds the smallest increase d > 0 of b that changes the run (`change`): with the same
earlier rounds, round r keeps its choice at b + d unless a project p still on offer there reaches
k >= K payers, K being the fewest with which p would beat the round's choice (the chosen project
itself: one payer more than it had). p has k payers at b + d iff some k' >= k has
c / k' + s(k') <= b + d, s(k') being the k'-th smallest spending among p's supporters in round r.
So the round's change point is min over k' >= K of c / k' + s(k') (a per-voter budget that depends
on the round alone), and `change` is the least of them minus b (the last "round" after the final
purchase asks any payer at all). Within a run s(k') only grows, so the minima computed for p in an
earlier round bound the later ones from below and most (round, project) pairs are never
evaluated. `change_skip` takes only projects the run does not fund (the paper's add-opt-skip).

The add-opt completions raise b from change point to change point; an `EesSweep` keeps the rounds
before the first whose change point the new b reaches, which are the same at the new b, and redoes
only the rest.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from dataclasses import dataclass, field
from fractions import Fraction

from budgets.ees_change_points import ChangePoint, Choice, Pair, least_change, round_pairs_of
from budgets.ees_loops import TOL
from budgets.ees_tables import EesRun, SupporterArrays
from budgets.mes_problem import MesProblem


@dataclass(slots=True)
class EesOutcome:
    """One EES run: purchases in order, their payers and shares, drops, and the next change points."""

    bought: list[int] = field(default_factory=list)
    round_of: dict[int, int] = field(default_factory=dict)
    payers: dict[int, int] = field(default_factory=dict)
    share: dict[int, Fraction] = field(default_factory=dict)
    rho: dict[int, Fraction] = field(default_factory=dict)
    dropped: dict[int, int] = field(default_factory=dict)
    spent: int = 0
    over_limit: bool = False
    change: Fraction | None = None
    change_skip: Fraction | None = None


class EesSweep:
    """EES runs at rising per-voter budgets, each redoing only the rounds from the first that changes.

    What voters spend does not depend on the budget, so a round is the same at budget b' as at b
    (same state, purchase, tables) as long as no earlier round changed and b' is below its own
    change point; a round's change point is a per-voter budget that depends only on that round.
    `advance` keeps every round up to the first whose change point b' reaches and redoes the rest.
    """

    def __init__(self, problem: MesProblem, arrays: SupporterArrays | None = None) -> None:
        self.problem = problem
        self.run = EesRun(problem, SupporterArrays.of(problem) if arrays is None else arrays)
        self.outcome = EesOutcome()
        self.first_offered: list[int] = []
        self.rounds: list[Choice | None] = []
        self.offered_at: list[list[int]] = []  # projects still on offer at each round's start
        self.spent_at: list[int] = []  # spending before each round
        self.classes_at: list[int] = []  # how many classes there were at each round's start
        self.change_at: list[ChangePoint | None] = []  # each round's change point (a per-voter budget)
        self.least_to: list[ChangePoint | None] = []  # the least change point of each round and those before
        self.free = 0  # projects bought before the first round (free ones)
        self.started = False

    def change(self) -> Fraction | None:
        """The least increase of the per-voter budget that changes the last run (add-opt)."""
        found = self.least_to[-1] if self.least_to else None
        return None if found is None else found.exact() - self.run.b

    def change_skip(self) -> Fraction | None:
        """The least increase at which a project the last run leaves out could be bought (add-opt-skip)."""
        run = self.run
        bought = set(self.outcome.bought)
        pending: list[Pair] = []
        for r, (choice, offered) in enumerate(zip(self.rounds, self.offered_at, strict=True), start=1):
            pending += round_pairs_of(run, r, choice, offered, bought)
        found = least_change(run, pending)
        return None if found is None else found.exact() - run.b

    def advance(
        self, per_voter: Fraction, *, cost_limit: int | None = None, change_points: bool = True
    ) -> EesOutcome:
        """The run at `per_voter` (not below the last run's), stopped once spending passes `cost_limit`.

        Its outcome object is reused by the next call. `change_points` (needed by `change` and by
        later calls) finds each redone round's change point; none are found for a stopped run.
        """
        if not self.started:
            self.started = True
            self.run.set_budget(per_voter)
            return self._rounds_from(1, self._begin(), cost_limit, change_points)
        if len(self.change_at) < len(self.rounds) or per_voter < self.run.b:
            raise ValueError("a sweep goes on only from a finished run with its change points, upwards")
        self.run.set_budget(per_voter)
        least_to = self.least_to
        # The first round whose change point per_voter reaches: where the running least first does.
        per_voter_f = float(per_voter)
        first = bisect_left(
            range(len(least_to)), True, key=lambda i: _reached(least_to[i], per_voter, per_voter_f)
        )
        if first == len(least_to):
            return self.outcome
        return self._rounds_from(first + 1, self._resume(first + 1), cost_limit, change_points)

    def _found_change(self, point: ChangePoint | None) -> None:
        """Keep the change point of the round just run, and the least so far."""
        self.change_at.append(point)
        least = self.least_to[-1] if self.least_to else None
        self.least_to.append(point if least is None or (point is not None and point.below(least)) else least)

    def _begin(self) -> list[tuple[float, int]]:
        """Buy the free projects, put the others on offer; their bounds on rho (all supporters pay)."""
        problem, outcome = self.problem, self.outcome
        heap: list[tuple[float, int]] = []
        for p, cost in enumerate(problem.costs):
            if problem.supporter_counts[p] == 0 or (cost == 0 and problem.cost_utility):
                continue
            if cost == 0:
                outcome.bought.append(p)
                outcome.round_of[p] = 0
                outcome.rho[p] = outcome.share[p] = Fraction(0)
                outcome.payers[p] = 0
                continue
            self.first_offered.append(p)
            self.run.table(p, 1)
            heap.append((cost / (problem.supporter_counts[p] * problem.scale[p]), p))
        self.free = len(outcome.bought)
        return heap

    def _resume(self, round_no: int) -> list[tuple[float, int]]:
        """Forget the rounds from `round_no` on; bounds on rho there from each project's latest table."""
        problem, outcome, run = self.problem, self.outcome, self.run
        offered = self.offered_at[round_no - 1]
        kept = self.free + round_no - 1
        for p in outcome.bought[kept:]:
            del outcome.round_of[p], outcome.payers[p], outcome.share[p], outcome.rho[p]
        del outcome.bought[kept:]
        outcome.dropped = {p: r for p, r in outcome.dropped.items() if r < round_no}
        outcome.spent = self.spent_at[round_no - 1]
        outcome.over_limit = False
        run.forget_from(round_no, self.classes_at[round_no - 1])
        kept_lists = (
            self.rounds,
            self.offered_at,
            self.spent_at,
            self.classes_at,
            self.change_at,
            self.least_to,
        )
        for found in kept_lists:
            del found[round_no - 1 :]
        heap: list[tuple[float, int]] = []
        for p in offered:
            latest = run.latest(p, round_no)
            assert latest is not None  # every project on offer has its first round's table
            k = run.payers(p, latest) or problem.supporter_counts[p]
            heap.append((problem.costs[p] / (k * problem.scale[p]), p))
        return heap

    def _rounds_from(
        self, round_no: int, heap: list[tuple[float, int]], cost_limit: int | None, change_points: bool
    ) -> EesOutcome:
        problem, outcome, run = self.problem, self.outcome, self.run
        costs = problem.costs
        offered = [p for _, p in heap]
        heapq.heapify(heap)
        alive = set(offered)
        while True:
            run.start_round()
            self.offered_at.append(offered[:])
            self.spent_at.append(outcome.spent)
            self.classes_at.append(run.spending.size)
            best = _cheapest(run, outcome, heap, alive, round_no)
            self.rounds.append(best)
            if best is None:
                break
            p, k, rho = best
            share = Fraction(costs[p], k)
            outcome.bought.append(p)
            outcome.round_of[p], outcome.payers[p], outcome.share[p], outcome.rho[p] = round_no, k, share, rho
            outcome.spent += costs[p]
            if cost_limit is not None and outcome.spent > cost_limit:
                outcome.over_limit = True
                return outcome
            if change_points:
                self._found_change(least_change(run, round_pairs_of(run, round_no, best, offered, None)))
            offered.remove(p)
            alive.discard(p)
            run.pay(p, run.table(p, round_no), k, share)
            round_no += 1
        if change_points:
            self._found_change(least_change(run, round_pairs_of(run, round_no, None, offered, None)))
        return outcome


def _reached(point: ChangePoint | None, per_voter: Fraction, per_voter_f: float) -> bool:
    return point is not None and point.reached(per_voter, per_voter_f)


def run_ees(
    problem: MesProblem,
    per_voter: Fraction,
    *,
    cost_limit: int | None = None,
    changes: tuple[str, ...] = ("opt", "skip"),
    arrays: SupporterArrays | None = None,
) -> EesOutcome:
    """Run EES with `per_voter` money per voter; stop once spending passes `cost_limit`.

    `changes` names the change points to find ("opt": `change`, "skip": `change_skip`); none are
    found for a run stopped by the limit. `arrays` (the problem's, built when not given) lets the
    runs of a completion share them.
    """
    sweep = EesSweep(problem, arrays)
    outcome = sweep.advance(per_voter, cost_limit=cost_limit, change_points="opt" in changes)
    if outcome.over_limit:
        return outcome
    if "opt" in changes:
        outcome.change = sweep.change()
    if "skip" in changes:
        outcome.change_skip = sweep.change_skip()
    return outcome


def _cheapest(
    run: EesRun, outcome: EesOutcome, heap: list[tuple[float, int]], alive: set[int], round_no: int
) -> Choice | None:
    """The project with the lowest exact rho this round as (project, payers, rho); drops unaffordable ones.

    The heap holds lower bounds on rho (a project's payers only fall within a run): every project
    whose bound is within reach of the best fresh rho is evaluated, the rest cannot be cheapest.
    For the same reason a project that no group could pay for on its latest table (an earlier
    round's) is dropped without this round's: most projects a resumed run drops are settled so.
    """
    problem = run.problem
    costs, scale, tie_rank = problem.costs, problem.scale, run.tie_rank
    best: tuple[int, int, int] | None = None  # project, payers, units (its rho: cost / units)
    best_f = math.inf
    fresh: list[tuple[float, int]] = []
    while heap and heap[0][0] <= best_f * (1 + TOL):
        _, p = heapq.heappop(heap)
        if p not in alive:
            continue
        latest = run.latest(p, round_no)
        unaffordable = latest is not None and run.payers(p, latest) == 0  # then on later tables too
        k = 0 if unaffordable else run.payers(p, run.table(p, round_no))
        if k == 0:
            alive.discard(p)
            outcome.dropped[p] = round_no
            continue
        units = k * scale[p]
        rho_f = costs[p] / units
        fresh.append((rho_f, p))
        if best is None:
            cheaper = True
        else:
            # Exactly: rho below the best's, or equal and first in the tie order.
            q, _, q_units = best
            here, there = costs[p] * q_units, costs[q] * units
            cheaper = here < there or (here == there and tie_rank[p] < tie_rank[q])
        if cheaper:
            best, best_f = (p, k, units), rho_f
    for item in fresh:
        heapq.heappush(heap, item)
    return None if best is None else (best[0], best[1], Fraction(costs[best[0]], best[2]))
