"""Exact Equal Shares (EES): every voter who pays for a project pays the same share, others pay nothing.

Kraiczy, Robinson and Elkind, "Streamlining Equal Shares" (2025). With per-voter budget b, a
project costing c is affordable by k of its supporters when the k richest of them each hold at
least c / k; it is bought with the largest such k, and each round buys the project with the lowest
rho = c / (k * utility scale) (cost utilities: 1 / k; cardinal utilities: c / k). Ties: lower cost,
more supporters, earlier project. A voter's spending is a sum of shares and does not depend on b,
so voters are grouped by what they have spent (a class per distinct exact amount).

A run also finds the smallest increase d > 0 of b that changes the run (`change`): with the same
earlier rounds, round r keeps its choice at b + d unless a project p still on offer there reaches
k >= K payers, K being the fewest with which p would beat the round's choice (the chosen project
itself: one payer more than it had). p has k payers at b + d iff some k' >= k has
c / k' + s(k') <= b + d, s(k') being the k'-th smallest spending among p's supporters in round r.
So the round's change point is min over k' >= K of c / k' + s(k') - b, and `change` is the minimum
over rounds (the last "round" after the final purchase asks any payer at all). Within a run s(k')
only grows, so the minima computed for p in an earlier round bound the later ones from below and
most (round, project) pairs are never evaluated. `change_skip` takes only projects the run does
not fund (the paper's add-opt-skip).
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections import Counter, deque
from dataclasses import dataclass, field
from fractions import Fraction

from budgets.mes_problem import MesProblem

_TOL = 1e-9


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


@dataclass(slots=True)
class _Table:
    """A project's blocks (classes poorest last): payer counts at each block's end and c / k + s there."""

    ends: list[int]
    value_f: list[float]
    suffix_f: list[float]
    exact: list[Fraction | None]
    classes: list[int]
    round_no: int
    run: _Run

    def lower_bound(self, need: int) -> float:
        j = bisect_left(self.ends, need)
        return math.inf if j == len(self.ends) else self.suffix_f[j]

    def value(self, i: int, cost: int) -> Fraction:
        found = self.exact[i]
        if found is None:
            found = self.exact[i] = Fraction(cost, self.ends[i]) + self.run.spent(self.classes[i])
        return found

    def least(self, need: int, cost: int) -> Fraction | None:
        """Exactly min over blocks ending at >= need payers of c / k + s (None when there is none)."""
        j = bisect_left(self.ends, need)
        if j == len(self.ends):
            return None
        near = self.suffix_f[j] * (1 + _TOL) + 1e-300
        return min(self.value(i, cost) for i in range(j, len(self.ends)) if self.value_f[i] <= near)


class _Run:
    def __init__(self, problem: MesProblem, per_voter: Fraction) -> None:
        self.problem = problem
        self.b = per_voter
        self.b_f = float(per_voter)
        # Class c has spent num[c] / denominator; the denominator is a multiple of every share's.
        self.num: list[int] = [0]
        self.denominator = 1
        self.value_f: list[float] = [0.0]
        self.type_class = array("i", bytes(4 * len(problem.types.multiplicity)))
        self.tables: dict[int, _Table] = {}  # each project's latest table
        self.history: dict[tuple[int, int], _Table] = {}  # (project, round) -> table
        self.snapshots: list[array[int]] = []  # everyone's class at the start of each round

    def table(self, p: int, round_no: int) -> _Table:
        """The blocks of p's supporters at the start of a round (the current one, or an earlier snapshot)."""
        found = self.history.get((p, round_no))
        if found is not None:
            return found
        problem = self.problem
        cost = problem.costs[p]
        if round_no == 1:
            n = problem.supporter_counts[p]
            found = _Table([n], [cost / n], [cost / n], [None], [0], round_no, self)
        else:
            classes = self.snapshots[round_no - 1] if round_no <= len(self.snapshots) else self.type_class
            cells = Counter(map(classes.__getitem__, problem.voters_of[p]))
            value_f = self.value_f
            order = sorted(cells, key=self.num.__getitem__)
            ends, values = [], []
            k = 0
            for c in order:
                k += cells[c]
                ends.append(k)
                values.append(cost / k + value_f[c])
            suffix = values[:]
            for i in range(len(suffix) - 2, -1, -1):
                suffix[i] = min(suffix[i], suffix[i + 1])
            found = _Table(ends, values, suffix, [None] * len(ends), order, round_no, self)
        self.history[p, round_no] = found
        latest = self.tables.get(p)
        if latest is None or latest.round_no < round_no:
            self.tables[p] = found
        return found

    def spent(self, c: int) -> Fraction:
        """What each voter in class c has spent, exactly."""
        return Fraction(self.num[c], self.denominator)

    def bound(self, p: int, round_no: int, need: int) -> float:
        """A lower bound on p's c / k + s over k >= need in a round, from its latest table up to it."""
        for r in range(round_no, 0, -1):
            found = self.history.get((p, r))
            if found is not None:
                return found.lower_bound(need)
        return 0.0

    def payers(self, p: int, table: _Table) -> int:
        """The most supporters who can split p's cost equally (0: none): the last block with c/k + s <= b."""
        cost = self.problem.costs[p]
        high = self.b_f * (1 + _TOL)
        low = self.b_f * (1 - _TOL)
        for i in range(len(table.ends) - 1, -1, -1):
            f = table.value_f[i]
            if f <= low or (f <= high and table.value(i, cost) <= self.b):
                return table.ends[i]
        return 0

    def pay(self, p: int, table: _Table, k: int, share: Fraction) -> None:
        """The k richest supporters (whole classes) pay `share` each and move to their new spending."""
        moves = dict(zip(table.classes, table.classes, strict=True))  # non-payers stay
        grow = share.denominator // math.gcd(self.denominator, share.denominator)
        if grow > 1:
            self.denominator *= grow
            self.num = [x * grow for x in self.num]
        # Payers whose spending becomes equal share a new class. Classes of equal spending made in
        # different rounds may stay apart: they sort next to each other, and neither a payer count
        # nor a change point ever separates them (the poorer-ranked one's c / k is smaller).
        class_of: dict[int, int] = {}
        num, denominator = self.num, self.denominator
        paid = share.numerator * (denominator // share.denominator)
        for i, c in enumerate(table.classes):
            if table.ends[i] > k:
                break
            after = num[c] + paid
            new = class_of.get(after)
            if new is None:
                new = class_of[after] = len(num)
                num.append(after)
                self.value_f.append(after / denominator)
            moves[c] = new
        supporters = self.problem.types.supporters[p]
        old = list(map(self.type_class.__getitem__, supporters))
        # Write the new classes back at C speed (the map is consumed by a zero-length deque).
        deque(map(self.type_class.__setitem__, supporters, map(moves.__getitem__, old)), maxlen=0)


def _rho(problem: MesProblem, p: int, k: int) -> Fraction:
    return Fraction(problem.costs[p], k * problem.scale[p])


def _needed(problem: MesProblem, p: int, rho: Fraction, chosen: int) -> int:
    """The fewest payers with which p beats a round that chose `chosen` at `rho`."""
    x = Fraction(problem.costs[p]) / (problem.scale[p] * rho)
    if problem.tie_key(p) < problem.tie_key(chosen):
        return max(1, math.ceil(x))
    return math.floor(x) + 1


def _least_change(
    run: _Run, rounds: list[tuple[int, int, Fraction] | None], offered: list[list[int]], skip: bool
) -> Fraction | None:
    """The least c / k + s over the (round, project) pairs that could change the run (see the docstring).

    Pairs are tried in the order of their lower bounds, a bound refreshed from the latest table up
    to its round before its table is computed; the search stops once no bound is under the best.
    """
    problem = run.problem
    bought = {choice[0] for choice in rounds if choice is not None}
    best: Fraction | None = None
    best_f = math.inf
    pending: list[tuple[float, int, int, int]] = []
    for r, choice in enumerate(rounds, start=1):
        for q in offered[r - 1]:
            if skip and q in bought:
                continue
            if choice is None:
                need = 1
            elif q == choice[0]:
                if skip:
                    continue
                need = choice[1] + 1
            else:
                need = _needed(problem, q, choice[2], choice[0])
            if need <= problem.supporter_counts[q]:
                pending.append((run.bound(q, r, need), r, q, need))
    heapq.heapify(pending)
    while pending and pending[0][0] <= best_f * (1 + _TOL):
        bound, r, q, need = heapq.heappop(pending)
        if (q, r) not in run.history:
            fresh = run.bound(q, r, need)
            if fresh > bound:
                heapq.heappush(pending, (fresh, r, q, need))
                continue
        found = run.table(q, r).least(need, problem.costs[q])
        if found is not None and (best is None or found < best):
            best, best_f = found, float(found)
    return best


def run_ees(
    problem: MesProblem,
    per_voter: Fraction,
    *,
    cost_limit: int | None = None,
    changes: tuple[str, ...] = ("opt", "skip"),
) -> EesOutcome:
    """Run EES with `per_voter` money per voter; stop once spending passes `cost_limit`.

    `changes` names the change points to find ("opt": `change`, "skip": `change_skip`); none are
    found for a run stopped by the limit.
    """
    costs = problem.costs
    run = _Run(problem, per_voter)
    outcome = EesOutcome()
    offered: list[int] = []  # projects still on offer: not bought (dropped ones included)
    heap: list[tuple[float, int]] = []
    for p, cost in enumerate(costs):
        if problem.supporter_counts[p] == 0 or (cost == 0 and problem.cost_utility):
            continue
        if cost == 0:
            outcome.bought.append(p)
            outcome.round_of[p] = 0
            outcome.rho[p] = outcome.share[p] = Fraction(0)
            outcome.payers[p] = 0
            continue
        offered.append(p)
        run.table(p, 1)
        heap.append((cost / (problem.supporter_counts[p] * problem.scale[p]), p))
    heapq.heapify(heap)
    alive = set(offered)
    rounds: list[tuple[int, int, Fraction] | None] = []
    offered_at: list[list[int]] = []
    round_no = 0
    while True:
        round_no += 1
        run.snapshots.append(array("i", run.type_class))
        offered_at.append(offered[:])
        best = _cheapest(run, outcome, heap, alive, round_no)
        rounds.append(best)
        if best is None:
            break
        p, k, rho = best
        share = Fraction(costs[p], k)
        outcome.bought.append(p)
        outcome.round_of[p], outcome.payers[p], outcome.share[p], outcome.rho[p] = round_no, k, share, rho
        outcome.spent += costs[p]
        offered.remove(p)
        alive.discard(p)
        if cost_limit is not None and outcome.spent > cost_limit:
            outcome.over_limit = True
            return outcome
        run.pay(p, run.tables[p], k, share)
    b = run.b
    if "opt" in changes:
        found = _least_change(run, rounds, offered_at, skip=False)
        outcome.change = None if found is None else found - b
    if "skip" in changes:
        found = _least_change(run, rounds, offered_at, skip=True)
        outcome.change_skip = None if found is None else found - b
    return outcome


def _cheapest(
    run: _Run, outcome: EesOutcome, heap: list[tuple[float, int]], alive: set[int], round_no: int
) -> tuple[int, int, Fraction] | None:
    """The project with the lowest exact rho this round as (project, payers, rho); drops unaffordable ones.

    The heap holds lower bounds on rho (a project's payers only fall within a run): every project
    whose bound is within reach of the best fresh rho is evaluated, the rest cannot be cheapest.
    """
    problem = run.problem
    best: tuple[Fraction, tuple[int, int, int], int, int] | None = None
    best_f = math.inf
    fresh: list[tuple[float, int]] = []
    while heap and heap[0][0] <= best_f * (1 + _TOL):
        _, p = heapq.heappop(heap)
        if p not in alive:
            continue
        table = run.tables[p] if run.tables[p].round_no == round_no else run.table(p, round_no)
        k = run.payers(p, table)
        if k == 0:
            alive.discard(p)
            outcome.dropped[p] = round_no
            continue
        rho = _rho(problem, p, k)
        fresh.append((float(rho), p))
        if best is None or (rho, problem.tie_key(p)) < best[:2]:
            best = (rho, problem.tie_key(p), p, k)
            best_f = float(rho)
    for item in fresh:
        heapq.heappush(heap, item)
    return None if best is None else (best[2], best[3], best[0])
