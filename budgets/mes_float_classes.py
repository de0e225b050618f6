"""Float budgets of MES's budget classes, each with a proven bound on its error, and the price
brackets they give (used by budgets.mes_float's runs).

A class's float budget is within `error` of its exact budget. A price is a bracket [low, high]
that surely contains the exact price per weight unit: the supporters' payments at low surely fall
short of the cost and at high surely exceed it. Whatever cannot be proven raises Unsure.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from budgets.mes_problem import MesProblem

try:
    from budgets.mes_float_loops import FloatClasses, Price, Unsure, price_bracket, range_price
except ImportError as missing:  # pragma: no cover - a checkout that make has not built
    raise ImportError("budgets/mes_float_loops.pyx is not built: run `make test` or `make run`") from missing

__all__ = ["EPS", "FloatArray", "FloatClasses", "IndexArray", "Price", "Unsure", "bracket", "range_price"]

EPS = 2.0**-52

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


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
    within (n + 2) x EPS x total. The loops are compiled (budgets/mes_float_loops.pyx), and so is a run's
    use of them (FloatClasses: its budgets, the heap of its rounds, its payments).
    """
    return price_bracket(budget, error, classes, weights, counts, problem.costs[project], problem.unit)
