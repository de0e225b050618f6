"""The audit log: one row per staff action, written in the same transaction as the action."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.database.sessions import DbSession
from app.models import AuditEntry, User
from app.models.timestamps import utcnow


def record(
    session: DbSession, actor: User, action: str, target_type: str, target_id: object, **details: Any
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:80],
        details=details,
        created_at=utcnow(),
    )
    session.add(entry)
    return entry


def record_unattended(
    session: DbSession,
    by: str,
    action: str,
    target_type: str,
    target_id: object,
    details: Mapping[str, Any],
    at: datetime | None = None,
) -> AuditEntry:
    """An entry no person's account acted for (`actor_id` NULL): `by` names what did it ("schedule", a
    "command" run on the server), which the log shows in words (audit_search.SYSTEM_ACTORS); `at` is
    when, for a job that runs as of a given time."""
    entry = AuditEntry(
        actor_id=None,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:80],
        details={"by": by, **details},
        created_at=at or utcnow(),
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
