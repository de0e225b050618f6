"""The pieces every audit renderer uses: an entry's stored facts, its words, and short phrases.

The renderers of app/services/workspace/audit_words.py and audit_money_words.py build an entry's
text from these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.services.kernel.text import first_of
from budgets.money import format_money

DETAIL_MAX = 160


@dataclass(frozen=True)
class Facts:
    action: str
    target_type: str
    target_id: str
    details: Mapping[str, Any]


@dataclass(frozen=True)
class Words:
    text: str
    issue_id: int | None  # the problem the entry is about, for a link


# Status code -> status name, and "round:<id>", "pool:<id>", "group:<id>", "matching_period:<id>" ->
# what the log calls them (audit_search.known_names).
Names = Mapping[str, str]
Renderer = Callable[[Facts, Names], str]


def short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def reason(value: object) -> str:
    return f": {short(value)}" if value not in (None, "") else ""


def ids(values: object, shown: int = 5) -> str:
    return first_of([f"#{v}" for v in values] if isinstance(values, list) else [], shown)


def amount(f: Facts, key: str = "amount_cents") -> str:
    """An amount of the entry with its currency when it recorded one ("money" when it has none)."""
    cents, currency = f.details.get(key), f.details.get("currency")
    if not isinstance(cents, int):
        return "money"
    return format_money(cents, currency if isinstance(currency, str) else None)


def named(n: Names, kind: str, ident: object) -> str:
    """A round, pool, group or matching period as the log names it: by its name where known
    ("round “Summer 2027”"), else by its number (found from outside: "moved round 1 to its voting
    phase" named nothing)."""
    name = n.get(f"{kind}:{ident}")
    words = kind.replace("_", " ")
    return f"{words} “{name}”" if name else f"{words} {ident}"
