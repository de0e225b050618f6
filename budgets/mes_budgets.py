"""Budget classes of one MES run: exact budgets over a common denominator, float copies, voter moves."""

from __future__ import annotations

import math
from collections import Counter, deque
from fractions import Fraction
from itertools import repeat
from operator import add, mul

from budgets.mes_problem import MesProblem

_EPS = 2.0**-52
ZERO = -1


class BudgetClasses:
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
        if len(self.denominators) == 1:
            # Nobody has paid yet: every supporter is in the first class.
            if problem.unit:
                return {0: problem.supporter_counts[project]}
            return dict(Counter(problem.weights_of[project]))
        classes = map(self.type_class.__getitem__, problem.voters_of[project])
        if problem.unit:
            found = Counter(classes)
            found.pop(ZERO, None)
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
        cost = self.problem.costs[project]
        scale = self.problem.scale[project]
        if self.problem.unit:
            # Poorest first; only the poorest few rows are usually visited.
            order = sorted(cells, key=budget_f.__getitem__)
            budgets = [budget_f[c] for c in order]
            counts = [cells[c] for c in order]
            units = sum(counts)
            money = math.fsum(map(mul, budgets, counts))
            error = 4 * _EPS * (money + cost) * (len(order) + 2)
            if money + error < cost:
                return None
            if money - error < cost:
                return 0.0, math.inf
            rest = float(cost)
            for b, many in zip(budgets, counts, strict=True):
                if rest <= b * units:
                    break
                rest -= b * many
                units -= many
            q = rest / units
            tol = 2 * error / units + 8 * _EPS * q
            return (q - tol) / scale, (q + tol) / scale
        rows = []
        units = 0
        money = 0.0
        for key, many in cells.items():
            c, w = divmod(key, self.problem.width)
            b = budget_f[c]
            rows.append((b / w, b, w, many))
            units += w * many
            money += b * many
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
        q = left / units
        tol = 2 * error / units + 8 * _EPS * q
        return (q - tol) / scale, (q + tol) / scale

    def price_exact(
        self, project: int, cells: dict[int, int], bounds: tuple[float, float] | None = None
    ) -> tuple[int, int] | None:
        """Exact price per weight unit as (numerator, units) over the current denominator, or None.

        With proven `bounds` on rho, rows whose float budget is surely below the price (they pay
        everything) or surely above it (they pay the price) skip the ordering; only the rows in
        between are settled exactly, and the result is checked against the sure rows.
        """
        problem = self.problem
        lcm, scale, width = problem.lcm, problem.scale[project], problem.width
        numerator, epoch, factors, budget_f = self.numerator, self.epoch, self._factors, self.budget_f
        # Float budgets are correctly rounded: a relative margin of a few ulps makes "sure" sure.
        below = -math.inf if bounds is None else bounds[0] * scale * (1 - 8 * _EPS)
        above = math.inf if bounds is None else bounds[1] * scale * (1 + 8 * _EPS)
        rows = []
        units = 0
        left = problem.costs[project] * self.denominator
        richest_floor = math.inf  # smallest float budget/weight among the sure-rich rows
        poor: list[tuple[int, int]] = []
        for key, many in cells.items():
            c, w = (key, 1) if problem.unit else divmod(key, width)
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
        rows.sort()
        for _, b, w, many in rows:
            if left * w <= b * units:
                break
            left -= b * many
            units -= w * many
        if units == 0 or left <= 0:
            return None if bounds is None else self.price_exact(project, cells)
        price_f = left / units / self.denominator
        if not (all(b * units < left * w for b, w in poor) and price_f <= richest_floor):
            return self.price_exact(project, cells)  # the bounds were wrong: settle every row exactly
        return left, units

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
        old_classes = list(map(type_class.__getitem__, supporters))
        keys: list[int] | list[tuple[int, int]]
        if problem.unit:
            keys = old_classes
            pairs: set[tuple[int, int]] | set[int] = set(old_classes)
        else:
            weights = [problem.types.weight(t, project) for t in supporters]
            keys = list(zip(old_classes, weights, strict=True))
            pairs = set(keys)
        numerator, epoch, factors = self.numerator, self.epoch, self._factors
        add_numerator, add_epoch, add_float = numerator.append, epoch.append, self.budget_f.append
        moves: dict[object, int] = {}
        for pair in pairs:
            old, w = (pair, 1) if isinstance(pair, int) else pair
            new = ZERO
            if old != ZERO:
                after = numerator[old] * factors[epoch[old]] - left * w
                if after > 0:
                    new = len(numerator)
                    add_numerator(after)
                    add_epoch(now)
                    add_float(after / denominator)
            moves[pair] = new
        # Write the new classes back at C speed (the map is consumed by a zero-length deque).
        deque(map(type_class.__setitem__, supporters, map(moves.__getitem__, keys)), maxlen=0)
