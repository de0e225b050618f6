"""Which statuses exist and of which type, and which codes a `status=` filter of codes and types means.
Read by most requests (the map asks for `status=open`), changed rarely (an admin's configuration).
Each process keeps the table for a few seconds per database.

Reading it cost the map's bbox request a statement of its own (docs/benchmarks.md). How fresh the kept
copy is:
- the session that changes a status through the ORM reads the table itself until it commits or rolls back;
- once it commits, every session of this process reads the table again;
- other processes (gunicorn's workers) see the change within TTL_SECONDS.
"""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.database.sessions import DbSession
from app.models import Status
from app.models.place import StatusType
from app.services.kernel.errors import ValidationError

TTL_SECONDS = 5.0
_STATUS_TYPES = select(Status.code, Status.type)
_CHANGED = "status_types_changed"  # a session.info key: this session changed a status
_kept: WeakKeyDictionary[Engine, tuple[float, dict[str, str]]] = WeakKeyDictionary()


def status_types(session: DbSession) -> dict[str, str]:
    """Every status code and its type (open, closed or fixed)."""
    connection = session.connection()
    own_changes = session.info.get(_CHANGED, False)
    if not own_changes:
        kept = _kept.get(connection.engine)
        if kept is not None and time.monotonic() < kept[0]:
            return kept[1]
    known = {code: kind for code, kind in connection.execute(_STATUS_TYPES).tuples()}
    if not own_changes:
        _kept[connection.engine] = (time.monotonic() + TTL_SECONDS, known)
    return known


CODE_PREFIX = "code:"  # "code:closed" is the status whose code is closed, not every closed-type status


def resolve_statuses(session: DbSession, wanted: tuple[str, ...]) -> list[str]:
    """Status codes for a mix of codes and types; unknown values are an error naming `status`.

    A bare value that names a type (open, closed, fixed) is the type; CODE_PREFIX + code is always
    the one status, for the codes that are also a type's name."""
    known = status_types(session)
    types = {t.value for t in StatusType}
    codes: list[str] = []
    for value in wanted:
        if value.startswith(CODE_PREFIX) and value.removeprefix(CODE_PREFIX) in known:
            codes.append(value.removeprefix(CODE_PREFIX))
        elif value in types:
            codes.extend(c for c, k in known.items() if k == value)
        elif value in known:
            codes.append(value)
        else:
            raise ValidationError(
                f"Status {value[:40]!r} is unknown; use one of {', '.join(sorted(types | set(known)))}.",
                "status",
            )
    return sorted(set(codes))


@event.listens_for(Session, "after_flush")
def _note_changes(session: Session, _flush_context: Any) -> None:
    # After a flush the session's new, dirty and deleted collections still hold what it flushed.
    if any(isinstance(item, Status) for item in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _forget_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        _kept.clear()


@event.listens_for(Session, "after_soft_rollback")
def _nothing_changed(session: Session, _previous_transaction: Any) -> None:
    if not session.in_transaction():
        session.info.pop(_CHANGED, None)
