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

try:
    from budgets import mes_float_loops
except ImportError as missing:  # pragma: no cover - a checkout that make has not built
    raise ImportError("budgets/mes_float_loops.pyx is not built: run `make test` or `make run`") from missing

EPS = 2.0**-52


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

    def cells(self, project: int) -> tuple[IndexArray, IndexArray, FloatArray]:
        """The supporters' cells as arrays: class, weight, count (cached on the trie node)."""
        node = self.node
        found = node.float_cells.get(project)
        if found is None:
            keys, counts = self.trie.cell_arrays(node, project)
            classes, weights = self.trie.split(keys)
            found = (classes, weights, counts)
            node.float_cells[project] = found
        return found

    def price(self, project: int) -> Price | None:
        """The proven price bracket, None when the supporters surely cannot pay; Unsure otherwise."""
        classes, weights, counts = self.cells(project)
        return bracket(self.problem, project, self.budget, self.error, classes, weights, counts)

    def pay(self, project: int, price: Price) -> None:
        """Supporters pay min(budget, price x weight); those who surely pay everything hold exactly zero.
        Each new class's error grows by its weight times the bracket's width and the rounding of the
        subtraction (budgets.mes_float_loops.pay)."""
        node = self.trie.child(self.node, project)
        old, weights = node.move_arrays
        first = node.classes - len(old)
        if node.classes > len(self.budget):
            grown = max(node.classes, 2 * len(self.budget))
            self.budget = np.concatenate((self.budget, np.zeros(grown - len(self.budget))))
            self.error = np.concatenate((self.error, np.zeros(grown - len(self.error))))
        low, high = price.low, price.high
        mes_float_loops.pay(self.budget, self.error, old, weights, first, price.estimate, low, high)
        self.node = node


def bracket(
    problem: MesProblem,
    project: int,
    budget: FloatArray,
    error: FloatArray,
    classes: IndexArray,
    weights: IndexArray,
    counts: FloatArray,
) -> Price | None:
    """The proven price bracket of `project` for supporters' cells (their classes, weights and
    counts), each class's float budget within its `error` of the exact one: None when they surely
    cannot pay; Unsure otherwise.

    Cells whose budget plus error is not positive surely hold nothing and are left out. The
    supporters' money, within its error and the rounding of the sum, is compared with the cost.
    The price estimate comes from Newton's method on paid(q) = cost, from below: everyone paying
    q = cost / units is a lower bound; rows that cannot pay q pay all they hold, the rest share
    what is left, which raises q. paid is concave and piecewise linear, so q only rises and stops
    once no row is newly short, after a few steps. The bracket around it is checked: at its low end
    the payments, plus the errors of the rows that might pay all they hold and the rounding of the
    sum, surely fall short of the cost, and at its high end surely exceed it. Sums of products are
    sums of non-negative terms: whatever order they add in, the error of a sum of n of them stays
    within (n + 2) x EPS x total. The loops are compiled (budgets/mes_float_loops.pyx).
    """
    outcome, low, high, estimate, everyone_pays, units = mes_float_loops.price_bracket(
        budget, error, classes, weights, counts, float(problem.costs[project]), problem.unit
    )
    if outcome == mes_float_loops.CANNOT_PAY:
        return None
    if outcome == mes_float_loops.UNSURE:
        raise Unsure
    # Nobody with money pays all of it: everyone pays the price, which is cost / units.
    exact = Fraction(problem.costs[project], round(units)) if everyone_pays else None
    return Price(low, high, estimate, exact)
