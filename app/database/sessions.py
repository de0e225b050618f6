"""The session type services take (a plain Session or the scoped `db.session`), and its typed writes."""

from __future__ import annotations

from typing import Any, TypeAlias, cast

from sqlalchemy import CursorResult
from sqlalchemy.orm import Session, scoped_session
from sqlalchemy.sql.dml import UpdateBase

# Views and CLI commands pass `db.session`, a scoped_session proxy; runners and tests may pass a Session
# they opened themselves. Both offer the same typed methods. The proxy's parameter is Any because
# scoped_session is invariant in it and Flask-SQLAlchemy's is a Session subclass of its own.
DbSession: TypeAlias = Session | scoped_session[Any]


def execute_write(session: DbSession, statement: UpdateBase) -> CursorResult[Any]:
    """Run an INSERT, UPDATE or DELETE; its result tells how many rows it wrote (`rowcount`)."""
    # SQLAlchemy 2.0 annotates Session.execute as returning Result for any statement; for DML it returns
    # a CursorResult, the only kind that has rowcount.
    return cast(CursorResult[Any], session.execute(statement))
