"""The finer range proof of budgets.mes_certify for float runs: a round's choice over a range of levels.

The argument is budgets.mes_certify.RangeProof's (read it first), on the float budgets of the two
runs and their proven errors. A class whose budget at the lower level L is surely positive holds
at least (budget - error) + (b - L) at b, and any class at most max(0, budget + error - (L' - b)),
from the run at the upper level L'. The chosen project's rho at b is at most the top of the price
bracket the lower budgets give, a competitor's at least the bottom of the one the upper budgets
give; each new budget carries a bound on the rounding that made it. As there, only the add1
levels strictly inside the range are proven (budgets.mes_certify.levels_hold), each range of
levels as floats that surely contain it; whatever the floats cannot settle fails the proof.
"""

from __future__ import annotations

import math
from fractions import Fraction

from budgets.mes_certify import crossing_share, levels_hold
from budgets.mes_float_classes import FloatClasses, Unsure, range_price


def _down(value: Fraction) -> float:
    """The largest float at most `value`."""
    near = float(value)
    return near if Fraction(near) <= value else math.nextafter(near, -math.inf)


def _up(value: Fraction) -> float:
    """The smallest float at least `value`."""
    near = float(value)
    return near if Fraction(near) >= value else math.nextafter(near, math.inf)


class FloatRangeProof:
    """Bounds on rhos at the add1 levels (`step` apart) between the per-voter budgets of the lower
    run's classes and the upper run's, for the round the upper run is in."""

    def __init__(self, lower: FloatClasses, upper: FloatClasses, step: int) -> None:
        self.lower, self.upper, self.step = lower, upper, step
        # The range of per-voter budgets as floats that surely contain it.
        self.low, self.high = _down(lower.per_voter), _up(upper.per_voter)
        self._memo: dict[tuple[int, bool, float], float | None] = {}

    def _rho(self, project: int, chosen: bool, b: float) -> float | None:
        """An upper bound on the chosen project's rho at b, or a lower bound on a competitor's (None:
        surely unaffordable). Raises Unsure where the floats cannot tell."""
        key = (project, chosen, b)
        if key not in self._memo:
            # Lower bounds on the classes' budgets at b from the lower run (for the chosen project)
            # or upper bounds from the upper run (for a competitor), each with its rounding.
            problem = self.upper.problem
            classes, weights, counts = self.upper.cells(project)
            run, shift = (self.lower, b - self.low) if chosen else (self.upper, self.high - b)
            price = range_price(
                run.budget,
                run.error,
                classes,
                weights,
                counts,
                chosen,
                shift,
                self.high,
                problem.costs[project],
                problem.unit,
            )
            if price is None:
                self._memo[key] = None
            else:
                low, high = price.rho(problem.scale[project])
                self._memo[key] = high if chosen else low
        return self._memo[key]

    def _beats(self, chosen: int, rival: int, b1: float, b2: float) -> bool:
        """The chosen project is cheaper than the rival at every budget in [b1, b2]."""
        rival_rho = self._rho(rival, False, b2)
        if rival_rho is None:
            return True  # the rival's supporters cannot pay for it even with the upper budgets
        chosen_rho = self._rho(chosen, True, b1)
        return chosen_rho is not None and chosen_rho < rival_rho

    def holds(self, chosen: int, rival: int) -> bool:
        """The round's choice beats `rival` at every add1 level inside the range."""
        low, high = self.lower.per_voter, self.upper.per_voter
        try:
            return levels_hold(
                low, high, self.step, lambda b1, b2: self._beats(chosen, rival, _down(b1), _up(b2))
            )
        except Unsure:
            return False

    def crossing(self, project: int, rho_low: float, chosen: int, rho_here: float) -> float | None:
        """Where in the range the choice passed from `project` (rho_low at the lower level) to
        `chosen` (rho_here at the upper one), as a share of the range, each rho drawn as a straight
        line (budgets.mes_certify.RangeProof.crossing). A hint, never a proof; None when the lines
        do not cross or the floats cannot tell."""
        try:
            project_high = self._rho(project, False, self.high)
            chosen_low = self._rho(chosen, True, self.low)
        except Unsure:
            return None
        if project_high is None or chosen_low is None:
            return None
        return crossing_share(chosen_low - rho_low, rho_here - project_high)
