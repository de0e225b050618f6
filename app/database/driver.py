"""Driver SQL: statements compiled once and run on the driver's cursor in the session's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.expression import Executable

# Driver SQL bypasses SQLAlchemy's events and echo; it is logged here at DEBUG instead.
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _DriverSQL:
    """A statement compiled for the driver: its SQL, the order of its positional parameters (None where
    the driver takes them by name), the values SQLAlchemy bound itself (literals) and the conversions its
    types apply to values (SQLite stores a datetime as text)."""

    sql: str
    order: Sequence[str] | None
    fixed: dict[str, object]
    convert: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, compiled: Compiled) -> _DriverSQL:
        fixed = {name: bind.value for bind, name in compiled.bind_names.items() if not bind.required}
        dialect = compiled.dialect
        convert = {}
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                convert[name] = process
        return cls(compiled.string, compiled.positiontup, fixed, convert)

    def parameters(self, values: dict[str, object]) -> tuple[object, ...] | dict[str, object]:
        bound = {**self.fixed, **values}
        for name, process in self.convert.items():
            bound[name] = process(bound[name])
        return tuple(bound[name] for name in self.order) if self.order else bound

    def execute(self, connection: Connection, values: dict[str, object]) -> int:
        """Run it in `connection`'s transaction; the number of rows it changed."""
        parameters = self.parameters(values)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s\n%r", self.sql, parameters)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(self.sql, parameters)
            return int(cursor.rowcount)
        finally:
            cursor.close()


class DriverStatement:
    """A write statement that SQLAlchemy cannot cache, compiled once per dialect and run on the
    session's connection through the driver's cursor.

    SQLAlchemy compiles the dialects' `INSERT ... ON CONFLICT` again on every execution (their classes
    opt out of its statement cache), which cost a like more than SQLite takes to run it. Statements that
    SQLAlchemy caches run through it instead: its execution machinery costs little next to a request.
    The driver's rowcount is returned as it is; SQLAlchemy's events and echo do not see the statement,
    so it is logged at DEBUG on `app.database.driver`.

    `build` gets the session, for statements that SQLite and PostgreSQL spell differently (upserts).
    """

    def __init__(self, build: Callable[[Session], Executable]) -> None:
        self._build = build
        self._sql: dict[str, _DriverSQL] = {}

    def execute(self, session: Session, values: dict[str, object]) -> int:
        """Run it in the session's transaction; the number of rows it changed."""
        connection = session.connection()
        found = self._sql.get(connection.dialect.name)
        if found is None:
            compiled = self._build(session).compile(dialect=connection.dialect)
            found = self._sql[connection.dialect.name] = _DriverSQL.of(compiled)
        return found.execute(connection, values)


@contextmanager
def statement_transaction(session: Session) -> Iterator[None]:
    """On SQLite, the block's one write statement is a transaction of its own (the driver's autocommit):
    SQLite holds its write lock only while it runs the statement, with Python's GIL released.

    Otherwise the lock is held from the statement to the view's COMMIT, while this thread runs Python
    again. Under gunicorn's threads such a thread can wait for its GIL holding the lock, and every other
    worker's writer sleeps in SQLite's busy handler meanwhile, leaving CPU idle during the like benchmark
    (docs/benchmarks.md).

    Only for a block that writes with one statement (its triggers run inside it), and only when the
    transaction holds no write yet, neither run nor pending in the session: an earlier write keeps the
    normal transaction, which the view commits. PostgreSQL is unchanged.
    """
    connection = session.connection()
    raw = connection.connection.driver_connection
    if (
        connection.dialect.name != "sqlite"
        or raw.in_transaction  # type: ignore[union-attr]
        or session.new
        or session.deleted
        or session.dirty
    ):
        yield
        return
    level = raw.isolation_level  # type: ignore[union-attr]
    raw.isolation_level = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        raw.isolation_level = level  # type: ignore[union-attr]
