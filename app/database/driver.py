"""Driver SQL: statements compiled once and run on the driver's cursor in the session's transaction."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from app.database.sessions import DbSession

# Driver SQL bypasses SQLAlchemy's events and echo; it is logged here at DEBUG instead.
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _DriverSQL:
    """A statement compiled for the driver: its SQL, the order of its positional parameters (None where
    the driver takes them by name), the values SQLAlchemy bound itself (literals such as PostGIS's SRID)
    and the conversions its types apply to values (SQLite stores a datetime as text)."""

    sql: str
    order: Sequence[str] | None
    fixed: dict[str, object]
    convert: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, statement: ClauseElement, connection: Connection) -> _DriverSQL:
        compiled = statement.compile(dialect=connection.dialect)
        assert isinstance(compiled, SQLCompiler)  # a statement's, never DDL's
        fixed = {name: bind.value for bind, name in compiled.bind_names.items() if not bind.required}
        dialect = compiled.dialect
        convert: dict[str, Callable[[Any], Any]] = {}
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

    def _run(self, cursor: Any, values: dict[str, object]) -> None:
        parameters = self.parameters(values)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s\n%r", self.sql, parameters)
        cursor.execute(self.sql, parameters)

    def execute(self, connection: Connection, values: dict[str, object]) -> int:
        """Run it in `connection`'s transaction; the number of rows it changed."""
        cursor = connection.connection.cursor()
        try:
            self._run(cursor, values)
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def first(self, connection: Connection, values: dict[str, object]) -> Any:
        """Run it in `connection`'s transaction; its first row (a tuple), or None."""
        cursor = connection.connection.cursor()
        try:
            self._run(cursor, values)
            return cursor.fetchone()
        finally:
            cursor.close()


class DriverStatement:
    """A hot statement built once per dialect, compiled once and run on the session's connection through
    the driver's cursor.

    For the hot paths only: SQLAlchemy's statement cache, execution context and result processing cost a
    like or a map request more than the database takes to run its statements, and SQLAlchemy compiles
    the dialects' `INSERT ... ON CONFLICT` again on every execution (their classes opt out of its cache).
    Rows come back as the driver gives them (SQLite: booleans as 0/1, timestamps as text); SQLAlchemy's
    events and echo do not see the statements, so they are logged at DEBUG on `app.database.driver`.

    `build` gets the session, for statements that SQLite and PostgreSQL spell differently (upserts).
    """

    def __init__(self, build: Callable[[DbSession], ClauseElement]) -> None:
        self._build = build
        self._sql: dict[str, _DriverSQL] = {}

    def _for(self, session: DbSession) -> tuple[Connection, _DriverSQL]:
        connection = session.connection()
        found = self._sql.get(connection.dialect.name)
        if found is None:
            found = self._sql[connection.dialect.name] = _DriverSQL.of(self._build(session), connection)
        return connection, found

    def execute(self, session: DbSession, values: dict[str, object]) -> int:
        """Run it in the session's transaction; the number of rows it changed."""
        connection, sql = self._for(session)
        return sql.execute(connection, values)

    def first(self, session: DbSession, values: dict[str, object]) -> Any:
        """Run it in the session's transaction; its first row (a tuple), or None."""
        connection, sql = self._for(session)
        return sql.first(connection, values)


# Statements that callers build once and keep, with their driver SQL per dialect. Holding the statement
# keeps its identity (the key) valid; callers keep few of them (one per filter shape).
_COMPILED: dict[tuple[ClauseElement, str], _DriverSQL] = {}


def first_row_on_driver(session: DbSession, statement: ClauseElement, values: dict[str, object]) -> Any:
    """Run a statement the caller built once and keeps (see DriverStatement) in the session's
    transaction on the driver's cursor; its first row (a tuple), or None."""
    connection = session.connection()
    key = (statement, connection.dialect.name)
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = _DriverSQL.of(statement, connection)
    return found.first(connection, values)


@contextmanager
def statement_transaction(session: DbSession) -> Iterator[None]:
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
