"""A round's change point in an Exact Equal Shares run: the pairs that could change it, and their least.

budgets.ees_engine says what a change point is and how a sweep uses it. The least is found in
floats, pairs tried in the order of their lower bounds; its exact value (a Fraction) is made only
when a sweep compares it with a budget or another point too close to call by the floats.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from fractions import Fraction

from budgets.ees_loops import TOL, Table, round_pairs
from budgets.ees_tables import EesRun

Choice = tuple[int, int, Fraction]  # a round's purchase: project, payers, rho
# A (round, project) pair that could change a run: a bound on when, the round, the project, payers needed.
Pair = tuple[float, int, int, int]


def round_pairs_of(
    run: EesRun, round_no: int, choice: Choice | None, offered: list[int], skip: set[int] | None
) -> list[Pair]:
    """The projects that could change a round, with the payers each needs and a bound on when.

    With `skip` (the projects the run buys) only projects left out count (add-opt-skip).
    """
    return round_pairs(run.tables_at(round_no), offered, round_no, choice, run.numbers, skip)


class ChangePoint:
    """A round's change point: the least c / k + s over its pairs, as a float at once and exactly
    when first asked for (most are only ever compared with budgets far from them).

    The exact value is the least of its candidates' (table, payers needed, cost): the pairs whose
    float least is within `TOL` of the float one; every other pair's exact least is larger."""

    __slots__ = ("_exact", "candidates", "value_f")

    def __init__(self, value_f: float, candidates: list[tuple[Table, int, int]]) -> None:
        self.value_f = value_f
        self.candidates = candidates
        self._exact: Fraction | None = None

    def exact(self) -> Fraction:
        if self._exact is None:
            found = [table.least(need, cost) for table, need, cost in self.candidates]
            self._exact = min(value for value in found if value is not None)
        return self._exact

    def below(self, other: ChangePoint) -> bool:
        """Whether this point is less than `other`: by the floats unless they are within TOL."""
        return _less(self.value_f, other.value_f, self.exact, other.exact)

    def reached(self, per_voter: Fraction, per_voter_f: float) -> bool:
        """Whether this point is at or under the per-voter budget."""
        return not _less(per_voter_f, self.value_f, lambda: per_voter, self.exact)


def _less(a_f: float, b_f: float, a: Callable[[], Fraction], b: Callable[[], Fraction]) -> bool:
    """a < b for two positive values: by their floats unless within TOL, then exactly."""
    if a_f < b_f * (1 - TOL):
        return True
    if a_f > b_f * (1 + TOL):
        return False
    return a() < b()


def least_change(run: EesRun, pending: list[Pair]) -> ChangePoint | None:
    """The least c / k + s over the pairs (see the module docstring), None when there are none.

    Pairs are tried in the order of their lower bounds, a bound refreshed from the latest table up
    to its round before its table is computed; the search stops once no bound is within TOL of
    the best float least, and the pairs within TOL of it are kept to decide the exact value.
    """
    costs = run.problem.costs
    best_f = math.inf
    found: list[tuple[float, Table, int, int]] = []
    heapq.heapify(pending)
    while pending and pending[0][0] <= best_f * (1 + TOL):
        bound, r, q, need = heapq.heappop(pending)
        if not run.has_table(q, r):
            fresh = run.bound(q, r, need)
            if fresh > bound:
                heapq.heappush(pending, (fresh, r, q, need))
                continue
        table = run.table(q, r)
        least_f = table.lower_bound(need)
        if least_f == math.inf:
            continue
        found.append((least_f, table, need, costs[q]))
        best_f = min(best_f, least_f)
    if not found:
        return None
    near = best_f * (1 + TOL)
    return ChangePoint(best_f, [(table, need, cost) for f, table, need, cost in found if f <= near])
