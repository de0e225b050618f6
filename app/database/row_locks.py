"""Row locks that serialise writes to one row's dependents without firing the row's update triggers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import InstrumentedAttribute

from app.database.sessions import DbSession, execute_write


def lock_row(
    session: DbSession, key: InstrumentedAttribute[Any], value: int, untriggered: InstrumentedAttribute[Any]
) -> bool:
    """Hold the row whose `key` equals `value` until this transaction ends; False if there is none.

    PostgreSQL: SELECT ... FOR UPDATE (an UPDATE, even a no-op one, fires statement-level triggers such
    as issues' issue_counts). SQLite: a no-op write of `untriggered` (a column no trigger watches) takes
    the database's writer lock up front, without a read-then-upgrade.
    """
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(select(key).where(key == value).with_for_update()) is not None
    table = key.class_
    return bool(
        execute_write(session, update(table).where(key == value).values({untriggered: untriggered})).rowcount
    )
