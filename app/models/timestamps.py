"""Time helpers for models: every timestamp is stored as naive UTC."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
