"""Time helpers for models: every timestamp is stored as naive UTC, and written out in one form."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def rfc3339(moment: datetime) -> str:
    """A naive UTC time as the API writes every time: RFC 3339 to the second, "2026-06-18T23:56:00Z"."""
    return moment.isoformat(timespec="seconds") + "Z"


def rfc3339_or_none(moment: datetime | None) -> str | None:
    """`rfc3339`, and None for no time."""
    return None if moment is None else rfc3339(moment)
