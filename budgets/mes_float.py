"""A run of MES in floating point with proven error bounds: the exact purchases, or no answer.

The exact engine (budgets.mes_engine) keeps every budget class as an integer over a common
denominator that grows with each purchase, so its arithmetic gets slower round after round. The
add1 search runs MES at hundreds of levels and needs from most of them only what was bought and
what it cost. This run keeps each class's budget as a float together with a bound on how far it
can be from the exact budget, and makes every decision only where the bounds prove it:

- a project is affordable, or not, when its supporters' money is away from its cost by more than
  the error of the sum;
- its price lies in a bracket [q_lo, q_hi] that is checked: the supporters' payments at q_lo
  surely fall short of the cost and at q_hi surely exceed it (payments only grow with the price);
- a round's purchase is the project whose rho bracket lies wholly below every other's.

After a purchase a supporter that surely pays everything holds exactly zero; every other one's
error grows by its weight times the bracket's width and the rounding of the subtraction. When a
decision cannot be proven (a near or exact tie, a project whose supporters hold almost exactly
its cost) the run gives up and returns None, and the caller runs the exact engine. So whatever it
returns is what the exact engine would buy, in the same order; it never returns prices or rhos.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from budgets.mes_prefix import PrefixTrie
from budgets.mes_problem import MesProblem

_EPS = 2.0**-52
# Costs from here on are not all whole floats; the bounds assume they are.
_EXACT_FLOAT_INTEGERS = 2**53
# Newton steps for a price estimate before the run gives up on floats (_FloatClasses.price).
_NEWTON_STEPS = 16


@dataclass(slots=True)
class FloatOutcome:
    """The purchases of a proven float run, in order, what they cost, and whether it passed the limit."""

    bought: list[int] = field(default_factory=list)
    spent: int = 0
    over_limit: bool = False


class _Unsure(Exception):
    """A decision the float bounds cannot prove; the caller falls back to the exact engine."""


@dataclass(frozen=True, slots=True)
class _Price:
    """A proven bracket for a project's price per weight unit, the float estimate inside it, and the
    exact price when every supporter with money surely pays the price rather than all they hold
    (then it is the cost over their weight units: near-ties between such projects are settled exactly)."""

    low: float
    high: float
    estimate: float
    exact: Fraction | None


FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


def _rounding(terms: int, total: float) -> float:
    """A bound on the rounding error of a float sum of `terms` non-negative terms near `total`."""
    return (terms + 2) * _EPS * total


class _FloatClasses:
    """Float budgets of the budget classes of one run, each with a bound on its error."""

    def __init__(self, problem: MesProblem, per_voter: Fraction, trie: PrefixTrie) -> None:
        self.problem = problem
        self.trie = trie
        self.node = trie.root
        start = float(per_voter)
        self.budget: FloatArray = np.zeros(64)
        self.error: FloatArray = np.zeros(64)
        self.budget[0], self.error[0] = start, _EPS * start

    def _cells(self, project: int) -> tuple[IndexArray, FloatArray, FloatArray]:
        """The supporters' cells as arrays: class, weight, count (cached on the trie node)."""
        node = self.node
        found = node.float_cells.get(project)
        if found is None:
            keys, counts = self.trie.cell_arrays(node, project)
            classes, weights = self.trie.split(keys)
            found = (classes, weights.astype(np.float64), counts)
            node.float_cells[project] = found
        return found

    def price(self, project: int) -> _Price | None:
        """The proven price bracket, None when the supporters surely cannot pay; _Unsure otherwise.

        Sums of products are dot products: whatever order they add in, the error of a sum of
        n non-negative terms stays within _rounding(n, total).
        """
        classes, weights, counts = self._cells(project)
        budget, error = self.budget[classes], self.error[classes]
        live = budget + error > 0  # the others surely hold nothing and pay nothing
        if not live.all():
            budget, error, weights, counts = budget[live], error[live], weights[live], counts[live]
        rows = len(budget)
        if rows == 0:
            return None
        cost = float(self.problem.costs[project])
        held = budget * counts
        money = float(held.sum())
        noise = float(error @ counts) * (1 + (rows + 2) * _EPS)
        slack = noise + _rounding(rows, money + cost)
        if money + slack < cost:
            return None
        if money - slack <= cost:
            raise _Unsure
        # The price estimate by Newton's method on paid(q) = cost, from below: everyone paying
        # q = cost / units is a lower bound; rows that cannot pay q pay all they hold, the rest
        # share what is left, which raises q. paid is concave and piecewise linear, so q only
        # rises and stops once no row is newly short, after a few steps.
        unit = self.problem.unit
        ratio = budget if unit else budget / weights
        units = counts if unit else counts * weights
        total_units = float(units.sum())
        left, remaining = cost, total_units
        for _ in range(_NEWTON_STEPS):
            estimate = left / remaining
            capped = ratio < estimate
            left = cost - float(held @ capped)
            remaining = total_units - float(units @ capped)
            if left <= 0 or remaining <= 0:
                raise _Unsure
            if left / remaining <= estimate:
                break
        else:
            raise _Unsure
        floor, spread = budget - error, error * counts

        def risky(price: float) -> npt.NDArray[np.bool_]:
            """Supporters who might pay all they hold at this price: only their errors reach the sum."""
            return floor <= (price if unit else weights * price) * (1 + 4 * _EPS)

        def carried(mask: npt.NDArray[np.bool_]) -> float:
            return float(spread @ mask) * (1 + (rows + 2) * _EPS)

        def paid(price: float) -> float:
            return float(counts @ np.minimum(budget, price if unit else weights * price))

        width = 2 * (carried(risky(estimate)) + _rounding(rows, cost)) / remaining + 4 * _EPS * estimate
        for _ in range(2):
            low, high = max(estimate - width, 0.0), estimate + width
            # Fewer supporters might pay all they hold at the lower price: one bound serves both ends.
            at_risk = risky(high)
            noise = carried(at_risk)
            short, over = paid(low), paid(high)
            if (
                short + noise + _rounding(rows, short + cost)
                < cost
                < over - noise - _rounding(rows, over + cost)
            ):
                # Nobody with money pays all of it: everyone pays the price, which is cost / units.
                exact = None if at_risk.any() else Fraction(self.problem.costs[project], round(total_units))
                return _Price(low, high, estimate, exact)
            width *= 64
        raise _Unsure

    def pay(self, project: int, price: _Price) -> None:
        """Supporters pay min(budget, price x weight); those who surely pay everything hold exactly zero."""
        node = self.trie.child(self.node, project)
        old, weights = node.move_arrays
        first = node.classes - len(old)
        if node.classes > len(self.budget):
            grown = max(node.classes, 2 * len(self.budget))
            self.budget = np.concatenate((self.budget, np.zeros(grown - len(self.budget))))
            self.error = np.concatenate((self.error, np.zeros(grown - len(self.error))))
        budget, error = self.budget[old], self.error[old]
        charge = weights * price.estimate
        after = np.maximum(budget - charge, 0.0)
        after_error = (error + weights * (price.high - price.low) + _EPS * (budget + charge)) * (1 + 4 * _EPS)
        broke = (budget + error) * (1 + 4 * _EPS) < weights * price.low * (1 - 4 * _EPS)
        after[broke] = 0.0
        after_error[broke] = 0.0
        self.budget[first : node.classes] = after
        self.error[first : node.classes] = after_error
        self.node = node


def run_mes_float(
    problem: MesProblem, per_voter: Fraction, trie: PrefixTrie, cost_limit: int | None = None
) -> FloatOutcome | None:
    """MES's purchases at `per_voter` when floats prove every decision, else None (see the module)."""
    if max(problem.costs, default=0) >= _EXACT_FLOAT_INTEGERS:
        return None
    try:
        return _run(problem, per_voter, trie, cost_limit)
    except _Unsure:
        return None


def _run(problem: MesProblem, per_voter: Fraction, trie: PrefixTrie, cost_limit: int | None) -> FloatOutcome:
    state = _FloatClasses(problem, per_voter, trie)
    outcome = FloatOutcome()
    free, alive = problem.opening()
    outcome.bought.extend(free)
    # Lower bounds on each live project's rho; rho only grows from round to round.
    heap = problem.rho_floors(alive)
    heapq.heapify(heap)
    while True:
        chosen = _cheapest(state, heap, alive)
        if chosen is None:
            return outcome
        project, price = chosen
        if problem.buy(outcome, project, alive, cost_limit):
            return outcome
        state.pay(project, price)


def _cheapest(
    state: _FloatClasses, heap: list[tuple[float, int]], alive: list[bool]
) -> tuple[int, _Price] | None:
    """The project whose rho bracket lies below every other live one's; None when none is affordable."""
    scale = state.problem.scale
    fresh: list[tuple[float, float, int, _Price]] = []
    best_high = math.inf
    while heap and heap[0][0] <= best_high:
        _, p = heapq.heappop(heap)
        if not alive[p]:
            continue
        price = state.price(p)
        if price is None:
            alive[p] = False
            continue
        low = price.low / scale[p] * (1 - 2 * _EPS)
        high = price.high / scale[p] * (1 + 2 * _EPS)
        fresh.append((high, low, p, price))
        best_high = min(best_high, high)
    for _, low, p, _ in fresh:
        heapq.heappush(heap, (low, p))
    if not fresh:
        return None
    fresh.sort()
    high = fresh[0][0]
    near = [(p, price) for _, low, p, price in fresh if low <= high]
    if len(near) == 1:
        return near[0]
    # Brackets overlap: decide exactly if every project in the overlap has a proven exact price.
    exact = [(price.exact / scale[p], state.problem.tie_key(p), p, price) for p, price in near if price.exact]
    if len(exact) < len(near):
        raise _Unsure
    _, _, project, price = min(exact)
    return project, price
