"""Results in plain words: each rule named for residents, one sentence per candidate, a voter's own part.

The sentences are built from the engine's own figures, never from its text: at the tally,
`tally_figures` reads the Allocation (for Equal Shares rules, every voter's exact payments and the
budget each voter held) and the ballots, and keeps per candidate how many supported it, what its
payers paid and what its supporters had left; `sentence` turns those figures into words and
euros. A voter's part is replayed from the same figures and their ballot (`your_part`), exactly
as the rule charged them: a test holds the replay equal to the engine's payments.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from budgets.allocation import Allocation, JsonValue, counted, fraction_text
from budgets.money import format_money


@dataclass(frozen=True)
class RuleWords:
    """How a rule is named and summed up for residents; `anchor` is its section on the rules page."""

    name: str
    summary: str
    anchor: str
    decided_by: str  # the name as it follows "decided by": "the Method of Equal Shares", "most votes first"


RULE_WORDS: dict[str, RuleWords] = {
    "equalshares/add1": RuleWords(
        "Method of Equal Shares",
        "the proportional rule used by Wieliczka and Aarau",
        "equal-shares",
        "the Method of Equal Shares",
    ),
    "exactequalshares/addopt": RuleWords(
        "Exact Equal Shares",
        "the Method of Equal Shares where a project's payers all pay the same amount",
        "exact-equal-shares",
        "Exact Equal Shares",
    ),
    "exactequalshares/addoptskip": RuleWords(
        "Exact Equal Shares",
        "the Method of Equal Shares where a project's payers all pay the same amount",
        "exact-equal-shares",
        "Exact Equal Shares",
    ),
    "greedy": RuleWords(
        "Most votes first",
        "the rule most cities use: problems with a vote are funded in order of votes while the money lasts",
        "most-votes-first",
        "most votes first",
    ),
    "phragmen": RuleWords(
        "Phragmén's sequential rule",
        "a proportional rule first written for Swedish elections: supporters share each cost",
        "phragmen",
        "Phragmén's sequential rule",
    ),
}


def rule_words(rule: str) -> RuleWords:
    return RULE_WORDS.get(rule, RuleWords(rule, "an allocation rule of the budgets engine", "rules", rule))


def family(rule: str) -> str:
    """ "mes" (Equal Shares: supporters pay from their share), "ees" (equal payments), or the rule."""
    if rule.startswith("exactequalshares/"):
        return "ees"
    if rule.startswith("equalshares/"):
        return "mes"
    return rule


def _weight(rule_family: str, ballot: str, points: int) -> int:
    """What a voter's payment scales with: their points under Equal Shares on a cumulative ballot."""
    return points if rule_family == "mes" and ballot == "cumulative" else 1


def tally_figures(
    allocation: Allocation, ballots: Sequence[Mapping[int, int]], ballot: str
) -> dict[str, dict[str, JsonValue]]:
    """Per project id, the figures the sentences need, JSON-ready (exact amounts as "p/q" text).

    `ballots` are the tally's ballots in the order the engine numbered them (voter "1" first).
    Every project gets `supporters`; under an Equal Shares rule also `share` (what each voter held),
    and `payers`, `paid_max` and `price` (per point on cumulative ballots) when funded, or
    `supporters_left` (what its supporters still held when the rule ended) when not.
    """
    supporters: dict[str, int] = {pid: 0 for pid in allocation.explanations}
    figures: dict[str, dict[str, JsonValue]] = {}
    share = allocation.per_voter
    rule_family = family(allocation.rule)
    if share is None or rule_family not in ("mes", "ees"):
        for choices in ballots:
            for issue_id, points in choices.items():
                if points > 0 and str(issue_id) in supporters:
                    supporters[str(issue_id)] += 1
        return {pid: {"supporters": n} for pid, n in supporters.items()}
    payments = allocation.payments
    # Tens of thousands of voters hold a few distinct amounts (the engine shares one Fraction per
    # voter type), so amounts are counted by object and added up once per distinct amount.
    amounts: dict[int, Fraction] = {}
    spent_of: dict[tuple[int, ...], Fraction] = {}
    spent_by: dict[str, Counter[int]] = {pid: Counter() for pid in supporters}
    paid_by: dict[str, Counter[tuple[int, int]]] = {pid: Counter() for pid in supporters}
    for number, choices in enumerate(ballots, start=1):
        paid = payments.get(str(number))
        spent_id = 0
        if paid:
            key = tuple(map(id, paid.values()))
            if key not in spent_of:
                spent_of[key] = sum(paid.values(), Fraction(0))
                for amount in paid.values():
                    amounts.setdefault(id(amount), amount)
            spent_id = id(spent_of[key])
            amounts[spent_id] = spent_of[key]
        for issue_id, points in choices.items():
            pid = str(issue_id)
            if points <= 0 or pid not in supporters:
                continue
            supporters[pid] += 1
            if paid:
                spent_by[pid][spent_id] += 1
                charged = paid.get(pid)
                if charged:
                    paid_by[pid][(id(charged), _weight(rule_family, ballot, points))] += 1
    for pid, item in allocation.explanations.items():
        data: dict[str, JsonValue] = {"supporters": supporters[pid], "share": fraction_text(share)}
        if item.funded and paid_by[pid]:
            paying = paid_by[pid]
            data |= {
                "payers": sum(paying.values()),
                "paid_max": fraction_text(max(amounts[a] for a, _ in paying)),
                "price": fraction_text(max(amounts[a] / weight for a, weight in paying)),
            }
        elif not item.funded:
            spent_total = sum((amounts[s] * n for s, n in spent_by[pid].items()), Fraction(0))
            data["supporters_left"] = fraction_text(supporters[pid] * share - spent_total)
        figures[pid] = data
    return figures


def amount_cents(value: object) -> int:
    """An exact stored amount ("p/q" text or a number) rounded to the nearest cent for display."""
    return round(Fraction(str(value)))


@dataclass(frozen=True)
class Outcome:
    """One candidate's result as the sentence needs it."""

    funded: bool
    cost_cents: int
    score: int | None
    details: Mapping[str, Any]


def sentence(rule: str, ballot: str, item: Outcome, budget_cents: int, currency: str) -> str:
    """One plain sentence in money: why this candidate was or was not funded."""

    def eur(cents: int) -> str:
        return format_money(cents, currency)

    details = item.details
    cost = eur(item.cost_cents)
    supporters = details.get("supporters")
    votes = item.score or 0
    unit = counted(votes, "point" if ballot == "cumulative" else "vote")
    if "withdrawn" in details:  # left out of the tally (candidates.withdrawn)
        why = details["withdrawn"]
        # Found from outside: "{why} after the list was drawn up" read garbled once `why` held a colon.
        counted_not = f"Its {unit} did not count." if votes else "Nobody had voted for it."
        return f"Not in the tally: since the list was drawn up it was {why}. {counted_not}"
    if not item.funded and item.cost_cents > budget_cents:
        return f"Not funded: it costs {cost}, more than the whole {eur(budget_cents)} there was to spend."
    if not item.funded and (supporters == 0 or (supporters is None and votes == 0)):
        return f"Not funded: nobody voted for it. It costs {cost}."
    rule_family = family(rule)
    if rule_family in ("mes", "ees") and "share" in details:
        return _equal_shares(rule_family, item, eur, int(supporters or 0))
    if rule_family == "phragmen":
        return _phragmen(item, eur, unit, int(supporters or 0))
    left = details.get("left")
    if item.funded:
        if left is None:
            return f"Funded: {unit}; it costs {cost}."
        return f"Funded: with {unit}, its turn came while {eur(int(left))} was unspent; it costs {cost}."
    if left is None:
        return f"Not funded: {unit}; it costs {cost}."
    return f"Not funded: when its turn came ({unit}), only {eur(int(left))} was left and it costs {cost}."


def _equal_shares(rule_family: str, item: Outcome, eur: Any, supporters: int) -> str:
    details = item.details
    cost = eur(item.cost_cents)
    share = eur(amount_cents(details["share"]))
    if item.funded:
        if "paid_max" not in details:
            return "Funded: it costs nothing, so nobody paid for it."
        payers = int(details.get("payers", supporters))
        most = Fraction(str(details["paid_max"]))
        if payers == 1:
            return f"Funded: its one supporter paid the {cost} cost from their {share} share."
        who = f"{payers:,} supporters"
        if payers != supporters:
            who = f"{payers:,} of its {supporters:,} supporters"
        each = "each paid" if most * payers == item.cost_cents else "each paid at most"
        paid = eur(amount_cents(most))
        return f"Funded: {who} shared the {cost} cost; {each} {paid} of their {share} share."
    # Rounded down: found from outside, EUR 29.9967 left read "EUR 30.00 left, it costs EUR 30.00".
    left = Fraction(str(details.get("supporters_left", 0)))
    left_cents = math.floor(left)
    together = "had" if supporters == 1 else "had together"
    who = "its one supporter" if supporters == 1 else f"its {supporters:,} supporters"
    if rule_family == "ees" and left >= item.cost_cents:
        return (
            f"Not funded: {who} {together} {eur(left_cents)} left, but not enough of them could pay "
            f"an equal part of its {cost} cost."
        )
    return f"Not funded: {who} {together} {eur(left_cents)} left, it costs {cost}."


def _phragmen(item: Outcome, eur: Any, unit: str, supporters: int) -> str:
    details = item.details
    cost = eur(item.cost_cents)
    if item.funded:
        load = details.get("load")
        if supporters == 1:  # found from outside: "its one supporter took on ... together; ... each"
            after = f"; afterwards they carried {eur(amount_cents(load))} in all" if load is not None else ""
            return f"Funded: its one supporter took on the {cost} cost{after}."
        each = f"; afterwards each carried {eur(amount_cents(load))} in all" if load is not None else ""
        return f"Funded: its {supporters:,} supporters took on the {cost} cost together{each}."
    left = details.get("left")
    if left is None:
        return f"Not funded: {unit}; it costs {cost}."
    if item.cost_cents <= int(left):
        # Found from outside: "EUR 25.00 was left and it costs EUR 25.00" read as a contradiction.
        return (
            f"Not funded: the rule stopped with {eur(int(left))} left, enough for its {cost}, because the "
            "problem next in line (level with it or ahead of it) cost more than that: Phragmén's rule ends "
            "at the first problem that does not fit."
        )
    return f"Not funded: when the rule stopped, {eur(int(left))} was left and it costs {cost}."


@dataclass(frozen=True)
class YourPart:
    """What one voter's ballot did: each funded problem they chose, and what they paid towards it."""

    issue_id: int
    title: str
    paid_cents: int | None  # None under rules without payments (the pool paid as a whole)


@dataclass(frozen=True)
class FundedItem:
    issue_id: int
    title: str
    position: int
    details: Mapping[str, Any]


def your_part(
    rule: str, ballot: str, funded: Sequence[FundedItem], choices: Mapping[int, int]
) -> list[YourPart]:
    """The funded problems this ballot chose, in the order the rule bought them, with what the
    voter paid towards each (Equal Shares rules; None under the others)."""
    paid = exact_part(rule, ballot, funded, choices)
    parts = []
    for item in sorted(funded, key=lambda f: f.position):
        if choices.get(item.issue_id, 0) <= 0:
            continue
        if "price" not in item.details:
            parts.append(YourPart(item.issue_id, item.title, None))
        elif str(item.issue_id) in paid:
            parts.append(YourPart(item.issue_id, item.title, amount_cents(paid[str(item.issue_id)])))
    return parts


def exact_part(
    rule: str, ballot: str, funded: Sequence[FundedItem], choices: Mapping[int, int]
) -> dict[str, Fraction]:
    """Replay the rule's charges for one ballot, exactly: in the order of purchase, each chosen
    project takes min(held, price x points) under Equal Shares, and its equal share under Exact
    Equal Shares from a voter who still holds it (the others pay nothing)."""
    rule_family = family(rule)
    held: Fraction | None = None
    paid_for: dict[str, Fraction] = {}
    for item in sorted(funded, key=lambda f: f.position):
        points = choices.get(item.issue_id, 0)
        price = item.details.get("price")
        if points <= 0 or price is None:
            continue
        if held is None:
            held = Fraction(str(item.details["share"]))
        charge = Fraction(str(price)) * _weight(rule_family, ballot, points)
        paid = min(held, charge) if rule_family == "mes" else (charge if held >= charge else Fraction(0))
        held -= paid
        if paid:
            paid_for[str(item.issue_id)] = paid
    return paid_for
