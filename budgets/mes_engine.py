"""The Method of Equal Shares on voter types: exact decisions, float pre-screening, lazy re-evaluation.

Voter types that have paid for the same projects hold the same budget; such a group is a budget
class. Budgets are exact: integer numerators over one common denominator shared by all classes.
A project's price per weight unit `q` is the smallest value with sum(min(budget, q * weight)) =
cost over its supporters; its rho (price per unit of satisfaction) is q divided by the project's
utility scale (its cost for cost utilities, 1 otherwise). Each round buys the lowest rho.

Rho never decreases (budgets only shrink), so a value computed in an earlier round is a lower
bound: a heap of them lets each round re-evaluate only the projects that could be cheapest.
Floats rank the candidates; every project within a relative 1e-9 of the cheapest is re-evaluated
with integers, and the choice among them is exact. Ties: lower cost, more supporters, earlier project.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import repeat
from operator import add, mul

from budgets.voter_types import VoterTypes

_EPS = 2.0**-52
_ZERO = -1


@dataclass(slots=True)
class MesOutcome:
    """What one run of MES did: purchases in order with their round, rho and per-weight price."""

    bought: list[int] = field(default_factory=list)
    round_of: dict[int, int] = field(default_factory=dict)
    rho: dict[int, Fraction] = field(default_factory=dict)
    price: dict[int, Fraction] = field(default_factory=dict)
    dropped: dict[int, tuple[int, Fraction]] = field(default_factory=dict)
    spent: int = 0
    over_limit: bool = False


@dataclass(frozen=True, slots=True)
class MesProblem:
    """Everything about an election MES needs that does not depend on the voters' budget."""

    costs: tuple[int, ...]
    scale: tuple[int, ...]
    types: VoterTypes
    width: int
    lcm: int
    unit: bool
    voters_of: tuple[tuple[int, ...], ...]
    weights_of: tuple[tuple[int, ...], ...]
    supporter_counts: tuple[int, ...]
    cost_utility: bool

    @classmethod
    def build(cls, costs: Sequence[int], types: VoterTypes, *, cost_utility: bool) -> MesProblem:
        """Prepare a problem; `cost_utility` makes a project's utility its cost (rho = q / cost)."""
        all_weights = {1} if types.weights is None else ({w for row in types.weights for w in row} or {1})
        width = 1 + max(all_weights)
        unit = all_weights == {1}
        voters_of: list[tuple[int, ...]] = []
        weights_of: list[tuple[int, ...]] = []
        for p, supporters in enumerate(types.supporters):
            # One entry per voter (a type repeated by its multiplicity) so counting is C-speed.
            voters: list[int] = []
            weights: list[int] = []
            for t in supporters:
                many = types.multiplicity[t]
                voters.extend(repeat(t, many))
                if not unit:
                    weights.extend(repeat(types.weight(t, p), many))
            voters_of.append(tuple(voters))
            weights_of.append(tuple(weights))
        counts = tuple(len(v) for v in voters_of)
        scale = tuple(c if cost_utility else 1 for c in costs)
        return cls(
            tuple(costs),
            scale,
            types,
            width,
            math.lcm(*all_weights),
            unit,
            tuple(voters_of),
            tuple(weights_of),
            counts,
            cost_utility,
        )

    def tie_key(self, project: int) -> tuple[int, int, int]:
        """Reference tie-breaking: lower cost, then more supporters, then the earlier project."""
        return (self.costs[project], -self.supporter_counts[project], project)


class _Run:
    """Mutable state of one MES run.

    Budgets are exact: class c holds numerator[c] / denominators[epoch[c]]. Each purchase starts a
    new epoch whose denominator is a multiple of all earlier ones, so exact sums stay integer.
    """

    def __init__(self, problem: MesProblem, per_voter: Fraction) -> None:
        self.problem = problem
        self.denominators: list[int] = [per_voter.denominator]
        self.numerator: list[int] = [per_voter.numerator]
        self.epoch: list[int] = [0]
        self.budget_f: list[float] = [float(per_voter)]
        self.type_class = [0] * len(problem.types.multiplicity)
        self._factors: list[int] = [1]

    @property
    def denominator(self) -> int:
        """The current common denominator."""
        return self.denominators[-1]

    def scaled(self, c: int) -> int:
        """Class c's budget as a numerator over the current denominator."""
        return self.numerator[c] * self._factors[self.epoch[c]]

    def cells(self, project: int) -> dict[int, int]:
        """How many supporters sit in each cell: key class * width + weight (or class, for unit weights)."""
        problem = self.problem
        classes = map(self.type_class.__getitem__, problem.voters_of[project])
        if problem.unit:
            found = Counter(classes)
            found.pop(_ZERO, None)
            return found
        width = problem.width
        found = Counter(map(add, map(mul, classes, repeat(width)), problem.weights_of[project]))
        for key in [k for k in found if k < 0]:
            del found[key]
        return found

    def _split(self, key: int) -> tuple[int, int]:
        if self.problem.unit:
            return key, 1
        return divmod(key, self.problem.width)

    def rho_bounds(self, project: int, cells: dict[int, int]) -> tuple[float, float] | None:
        """An interval [lo, hi] holding the exact rho; None when the supporters surely cannot pay.

        Float budgets are correctly rounded from the exact ones, so the error of every sum is
        bounded; (0, inf) means only the exact check can tell whether the project is affordable.
        """
        budget_f = self.budget_f
        rows = []
        units = 0
        money = 0.0
        if self.problem.unit:
            for c, many in cells.items():
                b = budget_f[c]
                rows.append((b, b, 1, many))
                units += many
                money += b * many
        else:
            for key, many in cells.items():
                c, w = divmod(key, self.problem.width)
                b = budget_f[c]
                rows.append((b / w, b, w, many))
                units += w * many
                money += b * many
        cost = self.problem.costs[project]
        error = 4 * _EPS * (money + cost) * (len(rows) + 2)
        if money + error < cost:
            return None
        if money - error < cost:
            return 0.0, math.inf
        rows.sort()
        left = float(cost)
        for _, b, w, many in rows:
            if left * w <= b * units:
                break
            left -= b * many
            units -= w * many
        scale = self.problem.scale[project]
        q = left / units
        tol = 2 * error / units + 8 * _EPS * q
        return (q - tol) / scale, (q + tol) / scale

    def price_exact(self, project: int, cells: dict[int, int]) -> tuple[int, int] | None:
        """Exact price per weight unit as (numerator, units) over the current denominator, or None."""
        lcm = self.problem.lcm
        rows = []
        units = 0
        for key, many in cells.items():
            c, w = self._split(key)
            b = self.scaled(c)
            rows.append((b * (lcm // w), b, w, many))
            units += w * many
        rows.sort()
        left = self.problem.costs[project] * self.denominator
        for _, b, w, many in rows:
            if left * w <= b * units:
                return left, units
            left -= b * many
            units -= w * many
        return None

    def money_exact(self, cells: dict[int, int]) -> Fraction:
        """Exact money the supporters hold."""
        total = sum(self.scaled(self._split(k)[0]) * many for k, many in cells.items())
        return Fraction(total, self.denominator)

    def pay(self, project: int, price: tuple[int, int]) -> None:
        """Supporters pay min(budget, price * weight) and move to new classes in a new epoch."""
        problem = self.problem
        left, units = price
        g = math.gcd(left, units)
        left, units = left // g, units // g
        self.denominators.append(self.denominator * units)
        self._factors = [f * units for f in self._factors] + [1]
        now = len(self.denominators) - 1
        denominator = self.denominator
        type_class = self.type_class
        supporters = problem.types.supporters[project]
        if problem.unit:
            weights: list[int] = [1] * len(supporters)
        else:
            weights = [problem.types.weight(t, project) for t in supporters]
        moves: dict[tuple[int, int], int] = {}
        for t, w in zip(supporters, weights, strict=True):
            old = type_class[t]
            if old == _ZERO:
                continue
            new = moves.get((old, w))
            if new is None:
                after = self.scaled(old) - left * w
                if after <= 0:
                    new = _ZERO
                else:
                    new = len(self.numerator)
                    self.numerator.append(after)
                    self.epoch.append(now)
                    self.budget_f.append(after / denominator)
                moves[(old, w)] = new
            type_class[t] = new


def run_mes(problem: MesProblem, per_voter: Fraction, *, cost_limit: int | None = None) -> MesOutcome:
    """Run MES with `per_voter` money per voter; stop early once spending passes `cost_limit`."""
    costs = problem.costs
    state = _Run(problem, per_voter)
    outcome = MesOutcome()
    alive = [False] * len(costs)
    for p, cost in enumerate(costs):
        if problem.supporter_counts[p] == 0:
            continue
        if cost == 0:
            # Under cost utilities a free project brings no satisfaction, so MES leaves it out
            # (as pabutools and pabulib-checker do); with other utilities it is funded up front.
            if problem.cost_utility:
                continue
            outcome.bought.append(p)
            outcome.round_of[p] = 0
            outcome.rho[p] = outcome.price[p] = Fraction(0)
        else:
            alive[p] = True
    heap: list[tuple[float, int]] = [(0.0, p) for p in range(len(costs)) if alive[p]]
    heapq.heapify(heap)
    round_no = 0
    while True:
        round_no += 1
        best = _cheapest(state, outcome, heap, alive, round_no)
        if best is None:
            return outcome
        project, price, rho = best
        outcome.bought.append(project)
        outcome.round_of[project] = round_no
        outcome.rho[project] = rho
        outcome.price[project] = Fraction(price[0], price[1] * state.denominator)
        outcome.spent += costs[project]
        alive[project] = False
        if cost_limit is not None and outcome.spent > cost_limit:
            outcome.over_limit = True
            return outcome
        state.pay(project, price)


def _evaluate(
    state: _Run, outcome: MesOutcome, p: int, alive: list[bool], round_no: int
) -> tuple[float, float, dict[int, int]] | None:
    """Rho bounds of a live project, dropping it (exactly checked) when it became unaffordable."""
    cells = state.cells(p)
    bounds = state.rho_bounds(p, cells)
    if bounds is None or (bounds[1] == math.inf and state.price_exact(p, cells) is None):
        alive[p] = False
        outcome.dropped[p] = (round_no, state.money_exact(cells))
        return None
    return bounds[0], bounds[1], cells


def _cheapest(
    state: _Run,
    outcome: MesOutcome,
    heap: list[tuple[float, int]],
    alive: list[bool],
    round_no: int,
) -> tuple[int, tuple[int, int], Fraction] | None:
    """Find the project with the lowest exact rho: (project, exact price, rho).

    The heap holds lower bounds. Every project whose bound is under the best upper bound seen
    is evaluated this round; the ones whose fresh interval still reaches under it are compared
    exactly. The rest cannot be cheapest.
    """
    problem = state.problem
    fresh: dict[int, tuple[float, float, dict[int, int]]] = {}
    best_hi = math.inf
    while heap and heap[0][0] <= best_hi:
        _, p = heapq.heappop(heap)
        if not alive[p] or p in fresh:
            continue
        found = _evaluate(state, outcome, p, alive, round_no)
        if found is not None:
            fresh[p] = found
            best_hi = min(best_hi, found[1])
    best: tuple[Fraction, tuple[int, int, int], int, tuple[int, int]] | None = None
    for p, (lo, _, cells) in fresh.items():
        heapq.heappush(heap, (lo, p))
        if lo > best_hi:
            continue
        price = state.price_exact(p, cells)
        if price is None:
            alive[p] = False
            outcome.dropped[p] = (round_no, state.money_exact(cells))
            continue
        rho = Fraction(price[0], price[1] * problem.scale[p] * state.denominator)
        if best is None or (rho, problem.tie_key(p)) < best[:2]:
            best = (rho, problem.tie_key(p), p, price)
    if best is None:
        return _cheapest(state, outcome, heap, alive, round_no) if any(alive) else None
    return best[2], best[3], best[0]
