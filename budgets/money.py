"""Money as integer cents: parsing people's amounts, formatting cents for people, and the city's match."""

from __future__ import annotations

import re

#: The largest amount a person may type: 999,999,999.99 (nine whole digits).
MAX_CENTS = 99_999_999_999
NO_CAP_CENTS = 10**15  # a match's "no cap": the matching engine always takes a cap

EXAMPLE = "5.00"
_PLAIN = re.compile(r"(?P<whole>[0-9]+)(?:[.,](?P<part>[0-9]+))?", re.ASCII)
# Thousands grouped with commas, the way format_cents writes them: "1,234,567.89" (no leading zero:
# "0,500" is not five hundred).
_GROUPED = re.compile(r"(?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.(?P<part>[0-9]+))?", re.ASCII)
# One comma and three digits ending in 0, nothing else: thousands ("1,500" = 1500) where a point marks
# decimals, 1.50 where a comma does. Neither is assumed. ("1,505" can only be thousands: as a decimal
# comma it would be a fraction of a cent.)
_AMBIGUOUS = re.compile(r"[1-9][0-9]{0,2},[0-9]{2}0", re.ASCII)


class MoneyError(ValueError):
    """An amount a person typed that is not a valid amount of money; the message says how to write it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_cents(
    text: str, *, label: str = "Amount", max_cents: int = MAX_CENTS, currency: str | None = None
) -> int:
    """A positive amount in the major unit ("5", "5.5", "5,50", "1,234.50") -> cents, exactly.

    Only the ASCII digits 0-9 with one decimal point (or comma) count: "NaN", "Infinity", "1e2",
    signs and other scripts' digits are refused with a message that shows how to write an amount.
    With `currency`, the largest amount is said in it ("at most EUR 500.00").
    """
    most = format_money(max_cents, currency) if currency else format_cents(max_cents)
    cleaned = text.strip()
    if not cleaned:
        raise MoneyError(f"{label} is required, for example {EXAMPLE}.")
    if cleaned.startswith("-") and _PLAIN.fullmatch(cleaned[1:]):
        raise MoneyError(f"{label} must be more than zero.")
    if _AMBIGUOUS.fullmatch(cleaned):
        whole, part = cleaned.split(",")
        raise MoneyError(
            f"{label}: “{cleaned}” could be {whole}{part} or {whole}.{part[:2]}; write it without the "
            f"comma, like {whole}{part} or {whole}.{part[:2]}."
        )
    found = _GROUPED.fullmatch(cleaned) or _PLAIN.fullmatch(cleaned)
    if found is None:
        shown = cleaned if len(cleaned) <= 20 else cleaned[:20] + "…"
        raise MoneyError(f"{label}: use digits and a decimal point, like {EXAMPLE}, not {shown!r}.")
    whole, part = found["whole"].replace(",", ""), found["part"] or ""
    if len(part) > 2:
        raise MoneyError(f"{label} may have at most two decimals (whole cents), like {EXAMPLE}.")
    if len(whole.lstrip("0")) > len(str(max_cents // 100)):
        raise MoneyError(f"{label} must be at most {most}.")
    cents = int(whole) * 100 + int(part.ljust(2, "0"))
    if cents <= 0:
        raise MoneyError(f"{label} must be more than zero.")
    if cents > max_cents:
        raise MoneyError(f"{label} must be at most {most}.")
    return cents


def format_cents(cents: int) -> str:
    """Cents for people: thousands separated by commas, always two decimals: 123456 -> "1,234.56"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"


def format_money(cents: int, currency: str | None = None) -> str:
    """Cents with their currency code: (-123456, "EUR") -> "-EUR 1,234.56"; without one, the amount."""
    if not currency:
        return format_cents(cents)
    sign = "-" if cents < 0 else ""
    return f"{sign}{currency} {format_cents(abs(cents))}"


def plain_cents(cents: int) -> str:
    """Cents as a form field's value (no thousands separators): 123456 -> "1234.56"."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def major_units(cents: int) -> float:
    """Cents as a float of major units, for drawing charts only; never for sums or storage."""
    return cents / 100


def matched_cents(base_cents: int, ratio_num: int, ratio_den: int, cap_cents: int) -> int:
    """The city's match on `base_cents` of pledges: min(cap, floor(base * num / den)), in integers."""
    if base_cents < 0 or ratio_num < 0 or ratio_den <= 0 or cap_cents < 0:
        raise ValueError("a match needs a base, ratio and cap that are not negative (and den > 0)")
    return min(cap_cents, base_cents * ratio_num // ratio_den)


def match_base_cents(confirmed_cents: int, covered_cents: int) -> int:
    """The pledges a new match covers: confirmed pledges minus those earlier matches covered (each once)."""
    return max(0, confirmed_cents - covered_cents)
