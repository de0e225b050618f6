"""The one place where SQLite/SpatiaLite and PostgreSQL/PostGIS spell things differently."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
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
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import Compiled
from sqlalchemy.sql.expression import Executable


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


class CompiledOnce:
    """A statement built and compiled once per dialect, then executed with new values.

    SQLAlchemy does not cache the dialects' INSERT ... ON CONFLICT constructs (their classes set
    inherit_cache = False), so it compiles them again on every execution: ~0.3 ms, more than the
    database takes to run them. Hot paths keep the compiled form; bind and result processing still apply.
    """

    def __init__(self, build: Callable[[Session], Executable]) -> None:
        self._build = build
        self._compiled: dict[str, Compiled] = {}

    def execute(self, session: Session, values: dict[str, Any]) -> CursorResult[Any]:
        connection = session.connection()
        compiled = self._compiled.get(connection.dialect.name)
        if compiled is None:
            compiled = self._build(session).compile(dialect=connection.dialect)
            self._compiled[connection.dialect.name] = compiled
        return connection.execute(compiled, values)  # type: ignore[call-overload,no-any-return]


@dataclass(frozen=True)
class DriverSQL:
    """A statement compiled once for the driver: its SQL, the order of its positional parameters (None
    where the driver takes them by name) and the values SQLAlchemy bound itself (literals such as
    PostGIS's SRID). For hot statements whose values need no conversion (numbers and text)."""

    sql: str
    order: Sequence[str] | None
    fixed: dict[str, object]

    @classmethod
    def of(cls, compiled: Compiled) -> DriverSQL:
        fixed = {name: bind.value for bind, name in compiled.bind_names.items() if not bind.required}
        return cls(compiled.string, compiled.positiontup, fixed)

    def parameters(self, values: dict[str, object]) -> tuple[object, ...] | dict[str, object]:
        bound = {**self.fixed, **values}
        return tuple(bound[name] for name in self.order) if self.order else bound


@contextmanager
def statement_transaction(session: Session) -> Iterator[None]:
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
        xmin, xmax = literal_column("xmin"), literal_column("xmax")
        ymin, ymax = literal_column("ymin"), literal_column("ymax")
        hits = (
            select(literal_column("pkid"))
            .select_from(index)
            .where(and_(xmin <= max_lon, xmax >= min_lon, ymin <= max_lat, ymax >= min_lat))
        )
        return pk.in_(hits)
    envelope = func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, 4326)
    return geom.op("&&")(envelope)


def insert_ignoring_duplicates(session: Session, model: Any, **values: Any) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING: a concurrent duplicate is skipped, never an error.

    The result's rowcount says whether a row was inserted (1) or skipped (0). SQLAlchemy only keeps
    an INSERT's rowcount when asked (preserve_rowcount); without it psycopg reports -1, which is truthy.
    """
    insert = sqlite.insert if dialect_of(session) == "sqlite" else postgresql.insert
    return insert(model).values(**values).on_conflict_do_nothing().execution_options(preserve_rowcount=True)


def days_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """`end - start` in (fractional) days."""
    if dialect_of(session) == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400.0


def day_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The calendar day of a timestamp (SQLite: 'YYYY-MM-DD' text; PostgreSQL: a date)."""
    if dialect_of(session) == "sqlite":
        return func.date(column)
    return cast(column, Date)


def floor_of(session: Session, expression: Any) -> ColumnElement[int]:
    """floor() as an integer; SQLite builds without math functions lack floor(), so it is spelled out."""
    if dialect_of(session) == "sqlite":
        truncated = cast(expression, Integer)
        return truncated - cast(expression < truncated, Integer)
    return cast(func.floor(expression), Integer)


def insert_from_select_ignoring_duplicates(
    session: Session, model: Any, names: list[str], query: Select[Any]
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
    session: Session, model: Any, conflict: list[str], values: dict[str, Any], changes: dict[str, Any]
) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET changes: one atomic statement on both engines."""
    insert = sqlite.insert if dialect_of(session) == "sqlite" else postgresql.insert
    return (
        insert(model)
        .values(**values)
        .on_conflict_do_update(index_elements=conflict, set_=changes)
        .execution_options(preserve_rowcount=True)
    )
