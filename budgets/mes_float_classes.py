"""Float budgets of MES's budget classes, each with a proven bound on its error, and the price
brackets they give (used by budgets.mes_float's runs).

A class's float budget is within `error` of its exact budget. A price is a bracket [low, high]
that surely contains the exact price per weight unit: the supporters' payments at low surely fall
short of the cost and at high surely exceed it. Whatever cannot be proven raises Unsure.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from budgets.mes_prefix import PrefixTrie
from budgets.mes_problem import MesProblem

EPS = 2.0**-52
# Newton steps for a price estimate before the run gives up on floats (FloatClasses.price).
_NEWTON_STEPS = 16


class Unsure(Exception):
    """A decision the float bounds cannot prove; the caller falls back to the exact engine."""


@dataclass(frozen=True, slots=True)
class Price:
    """A proven bracket for a project's price per weight unit, the float estimate inside it, and the
    exact price when every supporter with money surely pays the price rather than all they hold
    (then it is the cost over their weight units: near-ties between such projects are settled exactly)."""

    low: float
    high: float
    estimate: float
    exact: Fraction | None

    def rho(self, scale: int) -> tuple[float, float]:
        """Proven bounds on the rho this price gives a project with this utility scale."""
        return self.low / scale * (1 - 2 * EPS), self.high / scale * (1 + 2 * EPS)


FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


def rounding(terms: int, total: float) -> float:
    """A bound on the rounding error of a float sum of `terms` non-negative terms near `total`."""
    return (terms + 2) * EPS * total


class FloatClasses:
    """Float budgets of the budget classes of one run, each with a bound on its error."""

    def __init__(self, problem: MesProblem, per_voter: Fraction, trie: PrefixTrie) -> None:
        self.problem = problem
        self.trie = trie
        self.node = trie.root
        self.per_voter = per_voter
        start = float(per_voter)
        self.budget: FloatArray = np.zeros(64)
        self.error: FloatArray = np.zeros(64)
        self.budget[0], self.error[0] = start, EPS * start

    def cells(self, project: int) -> tuple[IndexArray, FloatArray, FloatArray]:
        """The supporters' cells as arrays: class, weight, count (cached on the trie node)."""
        node = self.node
        found = node.float_cells.get(project)
        if found is None:
            keys, counts = self.trie.cell_arrays(node, project)
            classes, weights = self.trie.split(keys)
            found = (classes, weights.astype(np.float64), counts)
            node.float_cells[project] = found
        return found

    def price(self, project: int) -> Price | None:
        """The proven price bracket, None when the supporters surely cannot pay; Unsure otherwise."""
        classes, weights, counts = self.cells(project)
        return bracket(self.problem, project, self.budget[classes], self.error[classes], weights, counts)

    def pay(self, project: int, price: Price) -> None:
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
        after_error = (error + weights * (price.high - price.low) + EPS * (budget + charge)) * (1 + 4 * EPS)
        broke = (budget + error) * (1 + 4 * EPS) < weights * price.low * (1 - 4 * EPS)
        after[broke] = 0.0
        after_error[broke] = 0.0
        self.budget[first : node.classes] = after
        self.error[first : node.classes] = after_error
        self.node = node


def bracket(
    problem: MesProblem,
    project: int,
    budget: FloatArray,
    error: FloatArray,
    weights: FloatArray,
    counts: FloatArray,
) -> Price | None:
    """The proven price bracket of `project` for supporters' cells with these float budgets, each
    within its `error` of the exact one: None when they surely cannot pay; Unsure otherwise.

    Sums of products are dot products: whatever order they add in, the error of a sum of
    n non-negative terms stays within rounding(n, total).
    """
    live = budget + error > 0  # the others surely hold nothing and pay nothing
    if not live.all():
        budget, error, weights, counts = budget[live], error[live], weights[live], counts[live]
    rows = len(budget)
    if rows == 0:
        return None
    cost = float(problem.costs[project])
    held = budget * counts
    money = float(held.sum())
    noise = float(error @ counts) * (1 + (rows + 2) * EPS)
    slack = noise + rounding(rows, money + cost)
    if money + slack < cost:
        return None
    if money - slack <= cost:
        raise Unsure
    # The price estimate by Newton's method on paid(q) = cost, from below: everyone paying
    # q = cost / units is a lower bound; rows that cannot pay q pay all they hold, the rest
    # share what is left, which raises q. paid is concave and piecewise linear, so q only
    # rises and stops once no row is newly short, after a few steps.
    unit = problem.unit
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
            raise Unsure
        if left / remaining <= estimate:
            break
    else:
        raise Unsure
    floor, spread = budget - error, error * counts

    def risky(price: float) -> npt.NDArray[np.bool_]:
        """Supporters who might pay all they hold at this price: only their errors reach the sum."""
        return floor <= (price if unit else weights * price) * (1 + 4 * EPS)

    def carried(mask: npt.NDArray[np.bool_]) -> float:
        return float(spread @ mask) * (1 + (rows + 2) * EPS)

    def paid(price: float) -> float:
        return float(counts @ np.minimum(budget, price if unit else weights * price))

    width = 2 * (carried(risky(estimate)) + rounding(rows, cost)) / remaining + 4 * EPS * estimate
    for _ in range(2):
        low, high = max(estimate - width, 0.0), estimate + width
        # Fewer supporters might pay all they hold at the lower price: one bound serves both ends.
        at_risk = risky(high)
        noise = carried(at_risk)
        short, over = paid(low), paid(high)
        if short + noise + rounding(rows, short + cost) < cost < over - noise - rounding(rows, over + cost):
            # Nobody with money pays all of it: everyone pays the price, which is cost / units.
            exact = None if at_risk.any() else Fraction(problem.costs[project], round(total_units))
            return Price(low, high, estimate, exact)
        width *= 64
    raise Unsure
