"""An Equal Shares election as MES sees it (costs, utility scales, voter types) and the outcome of a run."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import chain
from typing import TYPE_CHECKING, Protocol

from budgets.voter_types import VoterTypes

if TYPE_CHECKING:
    from budgets.mes_budgets import BudgetClasses


class Purchases(Protocol):
    """What every kind of MES run records of its purchases."""

    bought: list[int]
    spent: int
    over_limit: bool


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
    certified: bool = False
    certify_margin: Fraction | None = None
    # Where a certified run's range changed its choice, as a share of the range (a hint; see
    # budgets.mes_certify.RangeProof.crossing).
    certify_change: Fraction | None = None
    # The run's final budget classes, kept when asked (a later certified run compares with them).
    classes: BudgetClasses | None = None


@dataclass(frozen=True, slots=True)
class MesProblem:
    """Everything about an election MES needs that does not depend on the voters' budget."""

    costs: tuple[int, ...]
    scale: tuple[int, ...]
    types: VoterTypes
    width: int
    lcm: int
    unit: bool
    supporter_counts: tuple[int, ...]
    cost_utility: bool
    # How many projects MES can ever fund: supported, and not free under cost utilities.
    fundable: int

    @classmethod
    def build(cls, costs: Sequence[int], types: VoterTypes, *, cost_utility: bool) -> MesProblem:
        """Prepare a problem; `cost_utility` makes a project's utility its cost (rho = q / cost)."""
        all_weights = {1} if types.weights is None else (set(chain.from_iterable(types.weights)) or {1})
        width = 1 + max(all_weights)
        unit = all_weights == {1}
        counts = tuple(map(types.supporter_count, range(len(costs))))
        scale = tuple(c if cost_utility else 1 for c in costs)
        fundable = sum(1 for n, c in zip(counts, costs, strict=True) if n > 0 and (c > 0 or not cost_utility))
        return cls(
            tuple(costs),
            scale,
            types,
            width,
            math.lcm(*all_weights),
            unit,
            counts,
            cost_utility,
            fundable,
        )

    def rho_floors(self, live: list[bool]) -> list[tuple[float, int]]:
        """A lower bound on each live project's rho in any round, as (bound, project) for a heap.

        Each supporter pays at most price x weight, so the price is at least the cost over the
        supporters' count times the largest weight; the float is taken a little lower so that
        rounding cannot lift it above the exact value. The float run (budgets.mes_float), whose
        every evaluation has a fixed cost, then evaluates in its first round only the projects
        that could be cheapest.
        """
        most = self.width - 1
        return [
            (cost / (self.supporter_counts[p] * most * self.scale[p]) * (1 - 1e-9), p)
            for p, cost in enumerate(self.costs)
            if live[p]
        ]

    def opening(self) -> tuple[list[int], list[bool]]:
        """What every MES run starts from: the projects bought before the first round, and which
        projects the rounds consider.

        A free project with supporters is bought up front, except under cost utilities, where it
        brings no satisfaction and MES leaves it out (as pabutools and pabulib-checker do).
        """
        free: list[int] = []
        live = [False] * len(self.costs)
        for p, cost in enumerate(self.costs):
            if self.supporter_counts[p] == 0 or (cost == 0 and self.cost_utility):
                continue
            if cost == 0:
                free.append(p)
            else:
                live[p] = True
        return free, live

    def buy(self, outcome: Purchases, project: int, live: list[bool], cost_limit: int | None) -> bool:
        """Record a round's purchase; True when spending passed `cost_limit` (the run stops there)."""
        outcome.bought.append(project)
        outcome.spent += self.costs[project]
        live[project] = False
        outcome.over_limit = cost_limit is not None and outcome.spent > cost_limit
        return outcome.over_limit

    def tie_key(self, project: int) -> tuple[int, int, int]:
        """Reference tie-breaking: lower cost, then more supporters, then the earlier project."""
        return (self.costs[project], -self.supporter_counts[project], project)
