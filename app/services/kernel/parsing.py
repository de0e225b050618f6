"""Numbers and times from requests: ids, bounded whole numbers, amounts, ratios and ISO 8601 times, each
error naming its field."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from app.services.kernel.errors import ValidationError
from budgets.money import MAX_CENTS, MoneyError, parse_cents

#: The BIGINT range (money columns; SQLite's INTEGER): a larger Python int cannot be bound to a query.
DB_INT_MAX = 2**63 - 1
DB_INT_MIN = -(2**63)
#: The largest row id: id columns are INTEGER, 32-bit on PostgreSQL ("integer out of range" past it).
ID_MAX = 2**31 - 1
#: The last page number a list accepts: its offset then stays far inside DB_INT_MAX.
MAX_PAGE = 1_000_000_000

# re.ASCII: without it \d (and str.isdigit) accept "²", which int() refuses, and other scripts'
# digits, which int() reads as numbers.
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)
_RATIO = re.compile(r"([0-9]+):([0-9]+)", re.ASCII)
_SHOWN = 20


def shown(raw: object) -> str:
    """A value as quoted in an error message, cut short so a huge input does not fill the page."""
    text = str(raw)
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def is_whole_number(text: str) -> bool:
    """ASCII digits with an optional sign, and nothing else (no spaces, underscores or other scripts)."""
    return _WHOLE.fullmatch(text) is not None


def parse_int(
    raw: object,
    field: str,
    *,
    minimum: int = DB_INT_MIN,
    maximum: int = DB_INT_MAX,
    label: str | None = None,
) -> int:
    """A whole number within [minimum, maximum] from an int or a string of ASCII digits."""
    name = label or field
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationError(f"{name} must be a whole number, not {shown(raw)}.", field)
    if isinstance(raw, str):
        text = raw.strip()
        if not is_whole_number(text):
            raise ValidationError(f"{name} must be a whole number.", field)
        # Past 4,300 digits int() itself refuses; anything past 19 digits is out of range anyway.
        value = (
            int(text) if len(text.lstrip("+-").lstrip("0")) <= 20 else (-1 if text[0] == "-" else 1) * 10**20
        )
    else:
        value = raw
    lowest, highest = max(minimum, DB_INT_MIN), min(maximum, DB_INT_MAX)
    if lowest <= value <= highest:
        return value
    if highest == DB_INT_MAX:  # no upper bound of its own: only the database's
        if value < lowest:
            raise ValidationError(f"{name} must be at least {lowest:,}.", field)
        raise ValidationError(f"{name} is too large: it may be at most {highest:,}.", field)
    raise ValidationError(f"{name} must be between {lowest:,} and {highest:,}.", field)


def parse_id(raw: object, field: str, *, label: str | None = None) -> int:
    """A row id: a whole number from 1 to the largest an id column stores on every engine."""
    return parse_int(raw, field, minimum=1, maximum=ID_MAX, label=label)


def optional_int(
    raw: str | None,
    field: str,
    *,
    default: int | None = None,
    minimum: int = DB_INT_MIN,
    maximum: int = DB_INT_MAX,
    label: str | None = None,
) -> int | None:
    """A query parameter's whole number, or `default` when it is absent or blank."""
    if raw is None or not raw.strip():
        return default
    return parse_int(raw, field, minimum=minimum, maximum=maximum, label=label)


def parse_ratio(raw: object, field: str, *, label: str | None = None) -> tuple[int, int]:
    """A ratio written "2:1" (ASCII digits, both sides at least 1) -> (2, 1)."""
    name = label or field
    found = _RATIO.fullmatch(str(raw).replace(" ", "")) if isinstance(raw, str) else None
    if found is None:
        raise ValidationError(
            f"{name} must be written like 1:1 or 2:1 (digits 0-9), not {shown(raw)}.", field
        )
    if any(len(part.lstrip("0")) > 19 for part in found.groups()):
        raise ValidationError(f"{name}: the ratio's numbers are far too large.", field)
    num, den = (int(part) for part in found.groups())
    if num < 1 or den < 1 or num > DB_INT_MAX or den > DB_INT_MAX:
        raise ValidationError(f"{name}: both sides of the ratio must be whole numbers from 1.", field)
    return num, den


def parse_amount(
    raw: object,
    field: str = "amount",
    *,
    label: str = "Amount",
    max_cents: int = MAX_CENTS,
    currency: str | None = None,
) -> int:
    """An amount typed in the major unit ("5.00") -> cents; the message says how to write it (and the
    largest amount, in `currency` when given)."""
    if raw is not None and not isinstance(raw, str):
        raise ValidationError(f"{label} must be text like 5.00, not {shown(raw)}.", field)
    try:
        return parse_cents(raw or "", label=label, max_cents=max_cents, currency=currency)
    except MoneyError as exc:
        raise ValidationError(exc.message, field) from None


def positive_cents(raw: object, field: str) -> int:
    """Whole cents above zero from a JSON number: a fraction, a string or a boolean is refused."""
    if type(raw) is not int:
        if isinstance(raw, float):
            raise ValidationError(f"{field} must be a whole number of cents, not {raw!r}.", field)
        raise ValidationError(f"{field} is required and must be a whole number of cents.", field)
    if raw <= 0:
        raise ValidationError(f"{field} must be more than zero.", field)
    return raw


def parse_time(raw: object, field: str) -> datetime:
    """An ISO 8601 time ("2027-03-01T09:00:00Z", an offset, or no zone meaning UTC) as naive UTC, to the
    second."""
    example = f'{field} must be a date and time like "2027-03-01T09:00:00Z".'
    if not isinstance(raw, str) or len(raw) > 40:
        raise ValidationError(example, field)
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):  # not a time, or out of range once moved to UTC
        raise ValidationError(example, field) from None
    return parsed.replace(microsecond=0)
