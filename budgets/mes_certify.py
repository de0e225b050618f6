"""A finer proof that a MES round makes the same choice at every add1 level between two runs' levels.

The plain certificate (budgets.mes_engine._certify_round) compares each competitor's rho at the
upper level L' with the chosen project's rho at the lower level L. Both fall as the budget b
grows, so where the two are close that comparison fails over all but short ranges. This module
bounds each rho at the levels b inside [L, L'] instead, from the exact class budgets of both
runs. When the choice itself changed, the same budgets say roughly where (RangeProof.crossing).

With the same earlier purchases, every earlier price is at most its value at L and at least its
value at L'. A class that still held money at L paid price x weight for each earlier purchase, so
at b it holds at least B(L) + (b - L); any class holds at least 0. A class that holds money at b
holds at least b' - b more at any b' > b, so at b it holds at most max(0, B(L') - (L' - b)).
The chosen project's rho is at most the rho those lower budgets give, a competitor's at least the
rho the upper ones give. Both bounds only fall as b grows, so over a piece [b1, b2] of the range
the choice holds when the chosen project's bound at b1 is below the competitor's at b2 (ties by
the usual keys). Only the add1 levels strictly inside the range need it (L' - k x step for whole
k; the two runs settle L and L' themselves), so a piece is bounded from its first level inside to
its last: a failing piece is halved at a level a few times, and the proof fails as soon as the
two bounds cross at a single level. All of it is integer arithmetic over one common denominator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import TypeVar

from budgets.mes_budgets import BudgetClasses, settle
from budgets.mes_prefix import Cells

# How many times a failing piece of the range is halved before the proof gives up.
DEPTH = 5

# Whether the chosen project is surely cheaper than a rival at every budget in [b1, b2].
Beats = Callable[[Fraction, Fraction], bool]

Share = TypeVar("Share", Fraction, float)


def crossing_share(lead_low: Share, lead_high: Share) -> Share | None:
    """Where a lead, positive at a range's lower level and not at its upper one, reaches zero if
    drawn as a straight line, as a share of the range (None when it does not cross)."""
    if lead_low <= 0 or lead_high > 0:
        return None
    return lead_low / (lead_low - lead_high)


def levels_hold(low: Fraction, high: Fraction, step: int, beats: Beats) -> bool:
    """Whether `beats` holds at every level high - k x step (k whole) strictly between low and high.

    A piece's levels are bounded together, from its first to its last; a failing piece is halved
    at a level (checked on its own) up to DEPTH times. `beats` only ever sees levels."""
    pieces = [(low, high, DEPTH)]
    while pieces:
        a, b, depth = pieces.pop()
        inside = math.ceil((b - a) / step) - 1  # the levels b - k x step above a
        if inside <= 0 or beats(b - inside * step, b - step):
            continue
        if inside == 1 or depth == 0:
            return False
        middle = b - (inside + 1) // 2 * step
        if not beats(middle, middle):
            return False
        pieces += [(a, middle, depth - 1), (middle, b, depth - 1)]
    return True


def _price(cells: Cells, budgets: list[int], lcm: int, cost: int) -> tuple[int, int] | None:
    """Exact price per weight unit (numerator over the common denominator, units) or None, with
    `budgets` the cells' classes' budgets over that denominator."""
    rows = []
    units = 0
    money = 0
    for b, w, many in zip(budgets, cells.weights, cells.counts, strict=True):
        if b <= 0:
            continue
        rows.append((b * (lcm // w), b, w, many))
        units += w * many
        money += b * many
    if money < cost:
        return None
    return settle(rows, cost, units)


class RangeProof:
    """Bounds on rhos at the add1 levels (`step` apart) between lower.per_voter and upper.per_voter,
    for the round `upper` is in."""

    def __init__(self, lower: BudgetClasses, upper: BudgetClasses, step: int) -> None:
        self.lower, self.upper, self.step = lower, upper, step
        low, high = lower.per_voter, upper.per_voter
        self.den = math.lcm(lower.denominator, upper.denominator, low.denominator, high.denominator)
        # Budgets in the range as whole numbers over the common denominator.
        self.low, self.high = int(low * self.den), int(high * self.den)
        self._lower_factor = self.den // lower.denominator
        self._upper_factor = self.den // upper.denominator
        self._memo: dict[tuple[int, bool, int], Fraction | None] = {}

    def _rho(self, project: int, chosen: bool, b: int) -> Fraction | None:
        """An upper bound on the chosen project's rho at b, or a lower bound on a competitor's."""
        key = (project, chosen, b)
        if key in self._memo:
            return self._memo[key]
        problem = self.upper.problem
        cells = self.upper.cells(project)
        if chosen:
            # A class that still held money at the lower level holds that much more at b.
            rise = b - self.low
            held = self.lower.scaled_many(cells.classes)
            budgets = [h * self._lower_factor + rise if h else 0 for h in held]
        else:
            # Any class holds at most its upper-level budget less the difference (none below zero).
            fall = self.high - b
            budgets = [h * self._upper_factor - fall for h in self.upper.scaled_many(cells.classes)]
        cost = problem.costs[project] * self.den
        price = _price(cells, budgets, problem.lcm, cost)
        rho = None if price is None else Fraction(price[0], price[1] * problem.scale[project] * self.den)
        self._memo[key] = rho
        return rho

    def _beats(self, chosen: int, rival: int, b1: Fraction, b2: Fraction) -> bool:
        """The chosen project is cheaper than the rival at every per-voter budget in [b1, b2]."""
        rival_rho = self._rho(rival, False, int(b2 * self.den))
        if rival_rho is None:
            return True  # the rival's supporters cannot pay for it even with the upper budgets
        chosen_rho = self._rho(chosen, True, int(b1 * self.den))
        if chosen_rho is None:
            return False
        problem = self.upper.problem
        return (chosen_rho, problem.tie_key(chosen)) < (rival_rho, problem.tie_key(rival))

    def holds(self, chosen: int, rival: int) -> bool:
        """The round's choice beats `rival` at every add1 level inside the range."""
        low, high = self.lower.per_voter, self.upper.per_voter
        return levels_hold(low, high, self.step, lambda b1, b2: self._beats(chosen, rival, b1, b2))

    def crossing(self, project: int, rho_low: Fraction, chosen: int, rho_here: Fraction) -> Fraction | None:
        """Where in the range the choice passed from `project` (rho_low at the lower level) to
        `chosen` (rho_here at the upper one), as a share of the range: each project's rho drawn as
        a straight line between its exact values at the two levels. A hint for the next jump,
        never a proof; None when the lines do not cross."""
        project_high = self._rho(project, False, self.high)  # no fall at the upper level: exact
        chosen_low = self._rho(chosen, True, self.low)  # no rise at the lower level: exact
        if project_high is None or chosen_low is None:
            return None
        return crossing_share(chosen_low - rho_low, rho_here - project_high)
