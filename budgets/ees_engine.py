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
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from budgets.mes_problem import MesProblem

_TOL = 1e-9
_ORDER_TOL = 1e-12  # classes whose float spending is this close (relatively) are ordered exactly


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


@dataclass(frozen=True, slots=True)
class SupporterArrays:
    """Each project's supporting voter types and their multiplicities, as arrays for counting by class.

    Built once per problem and shared by the runs of a completion: a project's blocks are then one
    weighted count of its supporters' classes in C (numpy) instead of a loop over its voters.
    """

    types: tuple[npt.NDArray[np.intp], ...]
    counts: tuple[npt.NDArray[np.float64], ...]

    @classmethod
    def of(cls, problem: MesProblem) -> SupporterArrays:
        """The arrays of a problem (multiplicities as floats, exact below 2**53, for bincount)."""
        multiplicity = np.array(problem.types.multiplicity, dtype=np.float64)
        types = tuple(np.array(s, dtype=np.intp) for s in problem.types.supporters)
        return cls(types, tuple(multiplicity[t] for t in types))


@dataclass(slots=True)
class _Table:
    """A project's blocks (classes poorest last): payer counts at each block's end and c / k + s there."""

    ends: list[int]
    value_f: npt.NDArray[np.float64]
    suffix_f: npt.NDArray[np.float64]
    exact: dict[int, Fraction]
    classes: npt.NDArray[np.intp]
    round_no: int
    run: _Run

    def lower_bound(self, need: int) -> float:
        j = bisect_left(self.ends, need)
        return math.inf if j == len(self.ends) else float(self.suffix_f[j])

    def value(self, i: int, cost: int) -> Fraction:
        found = self.exact.get(i)
        if found is None:
            found = self.exact[i] = Fraction(cost, self.ends[i]) + self.run.spent(int(self.classes[i]))
        return found

    def least(self, need: int, cost: int) -> Fraction | None:
        """Exactly min over blocks ending at >= need payers of c / k + s (None when there is none)."""
        j = bisect_left(self.ends, need)
        if j == len(self.ends):
            return None
        near = self.suffix_f[j] * (1 + _TOL) + 1e-300
        return min(self.value(j + i, cost) for i in np.flatnonzero(self.value_f[j:] <= near).tolist())

    def payers(self, per_voter: Fraction, per_voter_f: float, cost: int) -> int:
        """The most supporters who can split the cost equally (0: none): the last block with c/k + s <= b."""
        low = per_voter_f * (1 - _TOL)
        for i in reversed(np.flatnonzero(self.value_f <= per_voter_f * (1 + _TOL)).tolist()):
            if self.value_f[i] <= low or self.value(i, cost) <= per_voter:
                return self.ends[i]
        return 0


class _Spending:
    """What each voter of a class has spent: a float always, the exact value when first asked for.

    A class is made by its voters paying one share from an earlier class, so its exact spending is
    the earlier class's plus the share; most classes are never compared exactly, and making their
    Fractions would dominate a run. The floats carry a rounding error far below `_ORDER_TOL`.
    """

    def __init__(self) -> None:
        self.size = 1
        self.value_f: npt.NDArray[np.float64] = np.zeros(256)
        self.parent: npt.NDArray[np.intp] = np.zeros(256, dtype=np.intp)
        self.exact: list[Fraction | None] = [Fraction(0)]
        self.batch_start: list[int] = [0]  # classes batch_start[i] .. made by paying batch_share[i]
        self.batch_share: list[Fraction] = [Fraction(0)]

    def extend(self, parents: npt.NDArray[np.intp], share: Fraction) -> npt.NDArray[np.intp]:
        """New classes, one per parent class: its voters after paying `share`; returns their ids."""
        first, n = self.size, len(parents)
        if first + n > len(self.value_f):
            capacity = 2 * (first + n)
            self.value_f = np.resize(self.value_f, capacity)
            self.parent = np.resize(self.parent, capacity)
        self.value_f[first : first + n] = self.value_f[parents] + float(share)
        self.parent[first : first + n] = parents
        self.exact.extend([None] * n)
        self.batch_start.append(first)
        self.batch_share.append(share)
        self.size = first + n
        return np.arange(first, first + n, dtype=np.intp)

    def of(self, c: int) -> Fraction:
        """The exact spending of class c (kept once computed)."""
        chain = []
        found = self.exact[c]
        while found is None:
            chain.append(c)
            c = int(self.parent[c])
            found = self.exact[c]
        for c in reversed(chain):
            found = self.exact[c] = found + self.batch_share[bisect_right(self.batch_start, c) - 1]
        return found

    def truncate(self, size: int) -> None:
        """Forget the classes from id `size` on (made by rounds that a resumed run redoes)."""
        self.size = size
        del self.exact[size:]
        while self.batch_start[-1] >= size:
            self.batch_start.pop()
            self.batch_share.pop()

    def ascending(
        self, classes: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """The classes from least to most spent, and their spending as floats.

        Sorted by float, then exactly within each run of floats too close to tell apart.
        """
        value_f = self.value_f[classes]
        by_float = np.argsort(value_f, kind="stable")
        order, value_f = classes[by_float], value_f[by_float]
        close = np.flatnonzero(np.diff(value_f) <= _ORDER_TOL * (1 + np.abs(value_f[1:])))
        if len(close):
            fixed = order.tolist()
            for start, stop in _runs(close.tolist()):
                fixed[start:stop] = sorted(fixed[start:stop], key=self.of)
            order = np.array(fixed, dtype=np.intp)
            value_f = self.value_f[order]
        return order, value_f


def _runs(close: list[int]) -> list[tuple[int, int]]:
    """Slices of the sorted order joined by close neighbours (i close: items i and i + 1 are)."""
    found: list[tuple[int, int]] = []
    for i in close:
        if found and found[-1][1] == i + 1:
            found[-1] = (found[-1][0], i + 2)
        else:
            found.append((i, i + 2))
    return found


class _Run:
    """The state of one run as it goes: everyone's class, the classes' spending, tables per round."""

    def __init__(self, problem: MesProblem, arrays: SupporterArrays) -> None:
        self.problem = problem
        self.arrays = arrays
        self.b = Fraction(0)
        self.b_f = 0.0
        self.spending = _Spending()
        self.type_class: npt.NDArray[np.intp] = np.zeros(len(problem.types.multiplicity), dtype=np.intp)
        self.history: dict[tuple[int, int], _Table] = {}  # (project, round) -> table at the round's start
        self.rounds_of: list[list[int]] = [[] for _ in problem.costs]  # rounds with a table, ascending
        order = sorted(range(len(problem.costs)), key=problem.tie_key)
        self.tie_rank = [0] * len(order)  # rank in the tie order (lower cost, more supporters, earlier)
        for rank, p in enumerate(order):
            self.tie_rank[p] = rank
        self.snapshots: list[npt.NDArray[np.intp]] = []  # everyone's class at the start of each round

    def set_budget(self, per_voter: Fraction) -> None:
        self.b = per_voter
        self.b_f = float(per_voter)

    def forget_from(self, round_no: int, classes: int) -> None:
        """Go back to the start of a round: its snapshot and tables stay, later ones go."""
        self.type_class = self.snapshots[round_no - 1].copy()
        del self.snapshots[round_no - 1 :]
        for p, rounds in enumerate(self.rounds_of):
            while rounds and rounds[-1] > round_no:
                del self.history[p, rounds.pop()]
        self.spending.truncate(classes)

    def table(self, p: int, round_no: int) -> _Table:
        """The blocks of p's supporters at the start of a round (the current one, or an earlier snapshot)."""
        found = self.history.get((p, round_no))
        if found is not None:
            return found
        problem = self.problem
        cost = problem.costs[p]
        if round_no == 1:
            n = problem.supporter_counts[p]
            single = np.array([cost / n])
            found = _Table([n], single, single, {}, np.zeros(1, dtype=np.intp), round_no, self)
        else:
            classes = self.snapshots[round_no - 1] if round_no <= len(self.snapshots) else self.type_class
            cells = np.bincount(classes[self.arrays.types[p]], weights=self.arrays.counts[p])
            order, spent_f = self.spending.ascending(np.flatnonzero(cells))
            ends = np.cumsum(cells[order])
            values = cost / ends + spent_f
            suffix = np.minimum.accumulate(values[::-1])[::-1]
            found = _Table(ends.astype(np.int64).tolist(), values, suffix, {}, order, round_no, self)
        self.history[p, round_no] = found
        insort(self.rounds_of[p], round_no)
        return found

    def spent(self, c: int) -> Fraction:
        """What each voter in class c has spent, exactly."""
        return self.spending.of(c)

    def has_table(self, p: int, round_no: int) -> bool:
        return (p, round_no) in self.history

    def latest(self, p: int, round_no: int) -> _Table | None:
        """p's table at the latest round up to `round_no` that has one."""
        rounds = self.rounds_of[p]
        i = bisect_right(rounds, round_no)
        return None if i == 0 else self.history[p, rounds[i - 1]]

    def bound(self, p: int, round_no: int, need: int) -> float:
        """A lower bound on p's c / k + s over k >= need in a round, from its latest table up to it."""
        found = self.latest(p, round_no)
        return 0.0 if found is None else found.lower_bound(need)

    def payers(self, p: int, table: _Table) -> int:
        """The most supporters who can split p's cost equally (0: none): the last block with c/k + s <= b."""
        return table.payers(self.b, self.b_f, self.problem.costs[p])

    def pay(self, p: int, table: _Table, k: int, share: Fraction) -> None:
        """The k richest supporters (whole classes) pay `share` each and move to new classes.

        Each paying class gets its own new class, even where two end up with equal spending: such
        classes sort next to each other, and neither a payer count nor a change point ever separates
        them (the poorer-ranked one's c / k is smaller).
        """
        spending = self.spending
        moves = np.arange(spending.size, dtype=np.intp)  # non-payers stay
        payers = table.classes[: bisect_right(table.ends, k)]
        moves[payers] = spending.extend(payers, share)
        supporters = self.arrays.types[p]
        self.type_class[supporters] = moves[self.type_class[supporters]]


def _rho(problem: MesProblem, p: int, k: int) -> Fraction:
    return Fraction(problem.costs[p], k * problem.scale[p])


def _needed(run: _Run, p: int, rho: Fraction, chosen: int) -> int:
    """The fewest payers with which p beats a round that chose `chosen` at `rho`.

    p's rho with k payers is c / (k * scale), below `rho` iff k > x = c / (scale * rho); in integers.
    """
    problem = run.problem
    above, below = problem.costs[p] * rho.denominator, problem.scale[p] * rho.numerator
    if run.tie_rank[p] < run.tie_rank[chosen]:
        return max(1, -(-above // below))
    return above // below + 1


Choice = tuple[int, int, Fraction]  # a round's purchase: project, payers, rho
# A (round, project) pair that could change a run: a bound on when, the round, the project, payers needed.
Pair = tuple[float, int, int, int]


def _pairs(
    run: _Run, round_no: int, choice: Choice | None, offered: list[int], skip: set[int] | None
) -> list[Pair]:
    """The projects that could change a round, with the payers each needs and a bound on when.

    With `skip` (the projects the run buys) only projects left out count (add-opt-skip).
    """
    problem = run.problem
    found: list[Pair] = []
    for q in offered:
        if skip is not None and q in skip:
            continue
        if choice is None:
            need = 1
        elif q == choice[0]:
            need = choice[1] + 1
        else:
            need = _needed(run, q, choice[2], choice[0])
        if need <= problem.supporter_counts[q]:
            found.append((run.bound(q, round_no, need), round_no, q, need))
    return found


def _least(run: _Run, pending: list[Pair]) -> Fraction | None:
    """The least c / k + s over the pairs (see the module docstring), None when there are none.

    Pairs are tried in the order of their lower bounds, a bound refreshed from the latest table up
    to its round before its table is computed; the search stops once no bound is under the best.
    """
    costs = run.problem.costs
    best: Fraction | None = None
    best_f = math.inf
    heapq.heapify(pending)
    while pending and pending[0][0] <= best_f * (1 + _TOL):
        bound, r, q, need = heapq.heappop(pending)
        if not run.has_table(q, r):
            fresh = run.bound(q, r, need)
            if fresh > bound:
                heapq.heappush(pending, (fresh, r, q, need))
                continue
        found = run.table(q, r).least(need, costs[q])
        if found is not None and (best is None or found < best):
            best, best_f = found, float(found)
    return best


class EesSweep:
    """EES runs at rising per-voter budgets, each redoing only the rounds from the first that changes.

    What voters spend does not depend on the budget, so a round is the same at budget b' as at b
    (same state, purchase, tables) as long as no earlier round changed and b' is below its own
    change point; a round's change point is a per-voter budget that depends only on that round.
    `advance` keeps every round up to the first whose change point b' reaches and redoes the rest.
    """

    def __init__(self, problem: MesProblem, arrays: SupporterArrays | None = None) -> None:
        self.problem = problem
        self.run = _Run(problem, SupporterArrays.of(problem) if arrays is None else arrays)
        self.outcome = EesOutcome()
        self.first_offered: list[int] = []
        self.rounds: list[Choice | None] = []
        self.offered_at: list[list[int]] = []  # projects still on offer at each round's start
        self.spent_at: list[int] = []  # spending before each round
        self.classes_at: list[int] = []  # how many classes there were at each round's start
        self.change_at: list[Fraction | None] = []  # each round's change point (a per-voter budget)
        self.free = 0  # projects bought before the first round (free ones)
        self.started = False

    def change(self) -> Fraction | None:
        """The least increase of the per-voter budget that changes the last run (add-opt)."""
        found = min((c for c in self.change_at if c is not None), default=None)
        return None if found is None else found - self.run.b

    def change_skip(self) -> Fraction | None:
        """The least increase at which a project the last run leaves out could be bought (add-opt-skip)."""
        run = self.run
        bought = set(self.outcome.bought)
        pending: list[Pair] = []
        for r, (choice, offered) in enumerate(zip(self.rounds, self.offered_at, strict=True), start=1):
            pending += _pairs(run, r, choice, offered, bought)
        found = _least(run, pending)
        return None if found is None else found - run.b

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
        first = next(
            (r for r, c in enumerate(self.change_at, start=1) if c is not None and c <= per_voter), None
        )
        if first is None:
            return self.outcome
        return self._rounds_from(first, self._resume(first), cost_limit, change_points)

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
        for found in (self.rounds, self.offered_at, self.spent_at, self.classes_at, self.change_at):
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
        redone = round_no
        while True:
            run.snapshots.append(run.type_class.copy())
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
            offered.remove(p)
            alive.discard(p)
            if cost_limit is not None and outcome.spent > cost_limit:
                outcome.over_limit = True
                return outcome
            run.pay(p, run.table(p, round_no), k, share)
            round_no += 1
        if change_points:
            for r in range(redone, len(self.rounds) + 1):
                pairs = _pairs(run, r, self.rounds[r - 1], self.offered_at[r - 1], None)
                self.change_at.append(_least(run, pairs))
        return outcome


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
    run: _Run, outcome: EesOutcome, heap: list[tuple[float, int]], alive: set[int], round_no: int
) -> Choice | None:
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
        k = run.payers(p, run.table(p, round_no))
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
