"""The result of a rule: which projects are funded, what was spent, and why, project by project."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def money(amount: int) -> str:
    """Format an integer amount with thousands separators: 120000 -> "120,000"."""
    return f"{amount:,}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular for one: (1, "supporter") -> "1 supporter", (1200, "vote") ->
    "1,200 votes"; `plural` where adding an s is wrong. The app's pages and audit log use it too."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {plural or noun + 's'}"


def fraction_text(value: Fraction) -> str:
    """Exact rational as text ("7/3"), integral values without a denominator."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why one project was or was not funded.

    `position` is its place in the order of selection (1 = first bought); `round` is the rule's
    round in which it was bought or dropped (MES, Phragmén); `rho` is the MES price per unit of
    satisfaction; `load` the Phragmén load of its supporters; `left` the money left unspent when
    the rule considered it.
    """

    project_id: str
    funded: bool
    cost: int
    reason: str
    score: int | None = None
    position: int | None = None
    round: int | None = None
    rho: Fraction | None = None
    load: Fraction | None = None
    left: int | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        """A JSON-ready dict; exact rationals appear as "p/q" text next to a float approximation."""
        data: dict[str, JsonValue] = {"funded": self.funded, "cost": self.cost, "reason": self.reason}
        for name in ("score", "position", "round", "left"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        for name in ("rho", "load"):
            exact = getattr(self, name)
            if exact is not None:
                data[name] = fraction_text(exact)
                data[f"{name}_approx"] = float(exact)
        return data


@dataclass(frozen=True, slots=True)
class Allocation:
    """Funded projects in the order the rule bought them, money spent, and an explanation per project.

    `payments` (Equal Shares rules) says what each voter paid for each project: {voter: {project
    id: exact amount}}, voters named by ballot voter id or "#position"; a project's payments add
    up to its cost (computed on first use). Projects a greedy step funded afterwards are paid from
    what was left, by no one. `per_voter` (Equal Shares rules) is the budget each voter held in
    the run whose outcome this is (after a completion raised it).
    """

    rule: str
    budget: int
    selected: tuple[str, ...]
    spent: int
    explanations: Mapping[str, Explanation]
    notes: tuple[str, ...] = field(default_factory=tuple)
    payments: Mapping[str, Mapping[str, Fraction]] = field(default_factory=dict)
    per_voter: Fraction | None = None

    @property
    def left(self) -> int:
        """Budget not spent."""
        return self.budget - self.spent

    def to_dict(self) -> dict[str, JsonValue]:
        """The JSON shape of the CLI: {rule, budget, spent, selected, explanations, notes}."""
        return {
            "rule": self.rule,
            "budget": self.budget,
            "spent": self.spent,
            "selected": list(self.selected),
            "explanations": {pid: item.to_dict() for pid, item in self.explanations.items()},
            "notes": list(self.notes),
        }


def build_allocation(
    rule: str,
    budget: int,
    order: list[str],
    costs: Mapping[str, int],
    explanations: Mapping[str, Explanation],
    notes: tuple[str, ...] = (),
    payments: Mapping[str, Mapping[str, Fraction]] | None = None,
    per_voter: Fraction | None = None,
) -> Allocation:
    """Assemble an Allocation, listing explanations in the election's project order."""
    ordered = {pid: explanations[pid] for pid in costs}
    spent = sum(costs[pid] for pid in order)
    paid = {} if payments is None else payments
    return Allocation(rule, budget, tuple(order), spent, ordered, notes, paid, per_voter)
