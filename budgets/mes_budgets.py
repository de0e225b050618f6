"""Budget classes of one MES run: exact budgets over a common denominator, float copies, voter moves."""

from __future__ import annotations

import math
from fractions import Fraction
from operator import mul, truediv

from budgets.mes_prefix import Cells, PrefixTrie
from budgets.mes_problem import MesProblem

_EPS = 2.0**-52


def settle(rows: list[tuple[int, int, int, int]], left: int, units: int) -> tuple[int, int]:
    """The exact water-filling step shared by every exact price: with `left` of the cost to cover
    over `units` weight units, rows (budget per weight unit over a common scale, budget, weight,
    count) that cannot pay left / units per unit pay all they hold, poorest first; returns what is
    left and the units that pay the price (price per unit = left / units). Sorts `rows`."""
    rows.sort()
    for _, b, w, many in rows:
        if left * w <= b * units:
            break
        left -= b * many
        units -= w * many
    return left, units


class BudgetClasses:
    """Mutable state of one MES run.

    Budgets are exact: class c holds numerator[c] / denominators[epoch[c]]. Each purchase starts a
    new epoch whose denominator is a multiple of all earlier ones, so exact sums stay integer.
    """

    def __init__(self, problem: MesProblem, per_voter: Fraction, trie: PrefixTrie | None = None) -> None:
        self.problem = problem
        self.per_voter = per_voter
        self.trie = PrefixTrie(problem) if trie is None else trie
        self.node = self.trie.root
        self.denominators: list[int] = [per_voter.denominator]
        self.numerator: list[int] = [per_voter.numerator]
        self.epoch: list[int] = [0]
        self.budget_f: list[float] = [float(per_voter)]
        self._factors: list[int] = [1]

    @property
    def denominator(self) -> int:
        """The current common denominator."""
        return self.denominators[-1]

    def scaled_many(self, classes: list[int]) -> list[int]:
        """The classes' budgets as numerators over the current denominator."""
        numerator, epoch, factors = self.numerator, self.epoch, self._factors
        return [numerator[c] * factors[epoch[c]] for c in classes]

    def cells(self, project: int) -> Cells:
        """The project's supporters by cell (see PrefixTrie.cells); shared, read only."""
        return self.trie.cells(self.node, project)

    def rho_bounds(self, project: int, cells: Cells) -> tuple[float, float] | None:
        """An interval [lo, hi] holding the exact rho; None when the supporters surely cannot pay.

        Float budgets are correctly rounded from the exact ones, so the error of every sum is
        bounded; (0, inf) means only the exact check can tell whether the project is affordable.
        """
        cost = self.problem.costs[project]
        budgets = list(map(self.budget_f.__getitem__, cells.classes))
        weights, counts = cells.weights, cells.counts
        money = math.fsum(map(mul, budgets, counts))
        error = 4 * _EPS * (money + cost) * (len(budgets) + 2)
        if money + error < cost:
            return None
        if money - error < cost:
            return 0.0, math.inf
        ratios = budgets if self.problem.unit else list(map(truediv, budgets, weights))
        left = float(cost)
        units = cells.units
        # Poorest per weight unit first; only the poorest few rows are usually visited.
        for i in sorted(range(len(budgets)), key=ratios.__getitem__):
            if left * weights[i] <= budgets[i] * units:
                break
            left -= budgets[i] * counts[i]
            units -= weights[i] * counts[i]
        q = left / units
        tol = 2 * error / units + 8 * _EPS * q
        scale = self.problem.scale[project]
        return (q - tol) / scale, (q + tol) / scale

    def price_exact(
        self, project: int, cells: Cells, bounds: tuple[float, float] | None = None
    ) -> tuple[int, int] | None:
        """Exact price per weight unit as (numerator, units) over the current denominator, or None.

        With proven `bounds` on rho, rows whose float budget is surely below the price (they pay
        everything) or surely above it (they pay the price) skip the ordering; only the rows in
        between are settled exactly, and the result is checked against the sure rows.
        """
        problem = self.problem
        lcm, scale = problem.lcm, problem.scale[project]
        numerator, epoch, factors, budget_f = self.numerator, self.epoch, self._factors, self.budget_f
        # Float budgets are correctly rounded: a relative margin of a few ulps makes "sure" sure.
        below = -math.inf if bounds is None else bounds[0] * scale * (1 - 8 * _EPS)
        above = math.inf if bounds is None else bounds[1] * scale * (1 + 8 * _EPS)
        rows = []
        units = 0
        left = problem.costs[project] * self.denominator
        richest_floor = math.inf  # smallest float budget/weight among the sure-rich rows
        poor: list[tuple[int, int]] = []
        for c, w, many in zip(cells.classes, cells.weights, cells.counts, strict=True):
            ratio_f = budget_f[c] / w
            if ratio_f < below:
                b = numerator[c] * factors[epoch[c]]
                left -= b * many
                poor.append((b, w))
                continue
            units += w * many
            if ratio_f > above:
                if ratio_f < richest_floor:
                    richest_floor = ratio_f
                continue
            b = numerator[c] * factors[epoch[c]]
            rows.append((b * (lcm // w), b, w, many))
        richest_floor *= 1 - 4 * _EPS
        left, units = settle(rows, left, units)
        if units == 0 or left <= 0:
            return None if bounds is None else self.price_exact(project, cells)
        price_f = left / units / self.denominator
        if not (all(b * units < left * w for b, w in poor) and price_f <= richest_floor):
            return self.price_exact(project, cells)  # the bounds were wrong: settle every row exactly
        return left, units

    def money_exact(self, cells: Cells) -> Fraction:
        """Exact money the supporters hold."""
        total = sum(map(mul, self.scaled_many(cells.classes), cells.counts))
        return Fraction(total, self.denominator)

    def pay(self, project: int, price: tuple[int, int]) -> None:
        """Supporters pay min(budget, price * weight) and move to new classes in a new epoch."""
        left, units = price
        g = math.gcd(left, units)
        left, units = left // g, units // g
        self.denominators.append(self.denominator * units)
        self._factors = [f * units for f in self._factors] + [1]
        now = len(self.denominators) - 1
        denominator = self.denominator
        node = self.trie.child(self.node, project)
        numerator, epoch, factors, budget_f = self.numerator, self.epoch, self._factors, self.budget_f
        # New classes get the next ids in order, so the lists stay indexed by class.
        after = [numerator[old] * factors[epoch[old]] - left * w for old, w in node.moves]
        after = [held if held > 0 else 0 for held in after]
        numerator.extend(after)
        budget_f.extend([held / denominator for held in after])
        epoch.extend([now] * len(after))
        self.node = node
