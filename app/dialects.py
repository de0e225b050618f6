"""The one place where SQLite/SpatiaLite and PostgreSQL/PostGIS spell things differently."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Insert,
    Integer,
    Select,
    and_,
    cast,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import Compiled, SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnClause

from app.services.kernel.session import DbSession

# Driver SQL bypasses SQLAlchemy's events and echo; it is logged here at DEBUG instead.
log = logging.getLogger(__name__)


def dialect_of(session: DbSession) -> str:
    return session.get_bind().dialect.name


@dataclass(frozen=True)
class DriverSQL:
    """A statement compiled once for the driver: its SQL, the order of its positional parameters (None
    where the driver takes them by name), the values SQLAlchemy bound itself (literals such as PostGIS's
    SRID) and the conversions its types apply to values (SQLite stores a datetime as text).

    Run on the driver's own cursor, a hot statement skips SQLAlchemy's statement cache, execution
    context and result processing: ~0.02 ms a statement on SQLite, more than SQLite takes to run a
    like's. Rows come back as the driver gives them (SQLite: booleans as 0/1, timestamps as text);
    the statements are logged at DEBUG on `app.dialects`, since SQLAlchemy's echo does not see them.
    """

    sql: str
    order: Sequence[str] | None
    fixed: dict[str, object]
    convert: dict[str, Callable[[Any], Any]]

    @classmethod
    def of(cls, compiled: Compiled) -> DriverSQL:
        assert isinstance(compiled, SQLCompiler)  # what a SELECT, INSERT, UPDATE or DELETE compiles to
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


class OnDriver:
    """A hot statement built once per dialect and run as DriverSQL on the session's connection.

    `build` gets the session, for statements that SQLite and PostgreSQL spell differently (upserts).
    """

    def __init__(self, build: Callable[[DbSession], ClauseElement]) -> None:
        self._build = build
        self._sql: dict[str, DriverSQL] = {}

    def _for(self, session: DbSession) -> tuple[Connection, DriverSQL]:
        connection = session.connection()
        found = self._sql.get(connection.dialect.name)
        if found is None:
            compiled = self._build(session).compile(dialect=connection.dialect)
            found = self._sql[connection.dialect.name] = DriverSQL.of(compiled)
        return connection, found

    def execute(self, session: DbSession, values: dict[str, object]) -> int:
        connection, sql = self._for(session)
        return sql.execute(connection, values)

    def first(self, session: DbSession, values: dict[str, object]) -> Any:
        connection, sql = self._for(session)
        return sql.first(connection, values)


@contextmanager
def statement_transaction(session: DbSession) -> Iterator[None]:
    """On SQLite, the block's one write statement is a transaction of its own (the driver's autocommit):
    SQLite holds its write lock only while it runs the statement, with Python's GIL released.

    Otherwise the lock is held from the statement to the view's COMMIT, while this thread runs Python
    again. Under gunicorn's threads such a thread can wait for its GIL holding the lock, and every other
    worker's writer sleeps in SQLite's busy handler meanwhile: 12-17% of the CPU stayed idle during the
    like benchmark, 2-8% with this (docs/benchmarks.md).

    Only for a block that writes with one statement (its triggers run inside it), and only when the
    transaction holds no write yet, neither run nor pending in the session: an earlier write keeps the
    normal transaction, which the view commits. PostgreSQL is unchanged.
    """
    connection = session.connection()
    raw = connection.connection.driver_connection
    if (
        connection.dialect.name != "sqlite"
        or raw is None  # the pool's connection has no driver connection: leave the transaction alone
        or raw.in_transaction
        or session.new
        or session.deleted
        or session.dirty
    ):
        yield
        return
    level = raw.isolation_level
    raw.isolation_level = None
    try:
        yield
    finally:
        raw.isolation_level = level


def within_bbox(
    dialect: str,
    table_name: str,
    pk: InstrumentedAttribute[int],
    geom: InstrumentedAttribute[object],
    bounds: tuple[Any, Any, Any, Any],
) -> ColumnElement[bool]:
    """Rows whose geometry's bounding box meets `bounds` (min lon, min lat, max lon, max lat: numbers or
    bound parameters), through the spatial index on both engines.

    SpatiaLite never uses its R*Tree implicitly, so the index table is queried by hand; its
    float32 bounds are rounded outwards, so the lookup is conservative (callers refine exactly).
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    if dialect == "sqlite":
        index = table(f"idx_{table_name}_{geom.key}")
        xmin: ColumnClause[float] = literal_column("xmin")
        xmax: ColumnClause[float] = literal_column("xmax")
        ymin: ColumnClause[float] = literal_column("ymin")
        ymax: ColumnClause[float] = literal_column("ymax")
        pkid: ColumnClause[int] = literal_column("pkid")
        hits = (
            select(pkid)
            .select_from(index)
            .where(and_(xmin <= max_lon, xmax >= min_lon, ymin <= max_lat, ymax >= min_lat))
        )
        return pk.in_(hits)
    envelope = func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, 4326)
    return geom.op("&&")(envelope)


def insert_ignoring_duplicates(session: DbSession, model: Any, **values: Any) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING: a concurrent duplicate is skipped, never an error.

    The result's rowcount says whether a row was inserted (1) or skipped (0). SQLAlchemy only keeps
    an INSERT's rowcount when asked (preserve_rowcount); without it psycopg reports -1, which is truthy.
    """
    insert = sqlite.insert if dialect_of(session) == "sqlite" else postgresql.insert
    return insert(model).values(**values).on_conflict_do_nothing().execution_options(preserve_rowcount=True)


def days_between(session: DbSession, start: Any, end: Any) -> ColumnElement[float | Decimal]:
    """`end - start` in (fractional) days."""
    if dialect_of(session) == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def day_of(session: DbSession, column: Any) -> ColumnElement[Any]:
    """The calendar day of a timestamp (SQLite: 'YYYY-MM-DD' text; PostgreSQL: a date)."""
    if dialect_of(session) == "sqlite":
        return func.date(column)
    return cast(column, Date)


def floor_of(session: DbSession, expression: Any) -> ColumnElement[int]:
    """floor() as an integer; SQLite builds without math functions lack floor(), so it is spelled out."""
    if dialect_of(session) == "sqlite":
        truncated = cast(expression, Integer)
        return truncated - cast(expression < truncated, Integer)
    return cast(func.floor(expression), Integer)


def insert_from_select_ignoring_duplicates(
    session: DbSession, model: Any, names: list[str], query: Select[Any]
) -> Insert:
    """INSERT ... SELECT ... ON CONFLICT DO NOTHING: rows that already exist are skipped.

    SQLite parses the upsert clause only when the SELECT has a WHERE clause, so `query` needs one.
    """
    insert = sqlite.insert if dialect_of(session) == "sqlite" else postgresql.insert
    return (
        insert(model)
        .from_select(names, query)
        .on_conflict_do_nothing()
        .execution_options(preserve_rowcount=True)
    )


def upsert(
    session: DbSession, model: Any, conflict: list[str], values: dict[str, Any], changes: dict[str, Any]
) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET changes: one atomic statement on both engines."""
    insert = sqlite.insert if dialect_of(session) == "sqlite" else postgresql.insert
    return (
        insert(model)
        .values(**values)
        .on_conflict_do_update(index_elements=conflict, set_=changes)
        .execution_options(preserve_rowcount=True)
    )
