"""The outcome of one Exact Equal Shares run, as budgets.ees_rounds gives it when asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(slots=True)
class EesOutcome:
    """One EES run: purchases in order, their payers and shares, drops, and the next change points."""

    bought: list[int] = field(default_factory=list)
    round_of: dict[int, int] = field(default_factory=dict)
    payers: dict[int, int] = field(default_factory=dict)
    share: dict[int, Fraction] = field(default_factory=dict)
    rho: dict[int, Fraction] = field(default_factory=dict)
    dropped: dict[int, int] = field(default_factory=dict)
    spent: int = 0
    over_limit: bool = False
    change: Fraction | None = None
    change_skip: Fraction | None = None
