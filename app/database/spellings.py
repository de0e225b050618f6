"""Engine spellings: where SQLite/SpatiaLite and PostgreSQL/PostGIS write the same thing differently."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Date,
    Float,
    Insert,
    Integer,
    Select,
    Text,
    and_,
    cast,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import InstrumentedAttribute

from app.database.sessions import DbSession


def dialect_of(session: DbSession) -> str:
    return session.get_bind().dialect.name


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
        xmin, xmax = literal_column("xmin", Float), literal_column("xmax", Float)
        ymin, ymax = literal_column("ymin", Float), literal_column("ymax", Float)
        hits = (
            select(literal_column("pkid", Integer))
            .select_from(index)
            .where(and_(xmin <= max_lon, xmax >= min_lon, ymin <= max_lat, ymax >= min_lat))
        )
        return pk.in_(hits)
    envelope = func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, 4326)
    return geom.op("&&")(envelope)


def within_box_scanning(
    dialect: str,
    geom: InstrumentedAttribute[object],
    lon: InstrumentedAttribute[float],
    lat: InstrumentedAttribute[float],
    bounds: tuple[Any, Any, Any, Any],
) -> ColumnElement[bool]:
    """Rows whose lon/lat lie in `bounds`, for statements that count a large part of a table (the map's
    clusters): PostgreSQL's planner weighs the spatial index against a scan itself; on SQLite the index
    table would list every id in a city-sized box before the count starts, so the plain columns decide
    (the covering ix_issues_workspace holds them)."""
    min_lon, min_lat, max_lon, max_lat = bounds
    in_box = and_(lon.between(min_lon, max_lon), lat.between(min_lat, max_lat))
    if dialect == "sqlite":
        return in_box
    return and_(geom.op("&&")(func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, 4326)), in_box)


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


def joined_in_order(
    dialect: str, value: ColumnElement[str | None], separator: str, order: list[ColumnExpressionArgument[Any]]
) -> ColumnElement[str]:
    """The rows' `value`s joined into one text, `separator` between them, in `order`.

    SQLite has no ORDER BY inside an aggregate before 3.44: its group_concat takes the rows in the order
    they come, so the caller aggregates over a subquery ordered the same way, as the join's outer loop (a
    test checks the order). PostgreSQL orders its string_agg.
    """
    literal = literal_column("'" + separator.replace("'", "''") + "'", type_=Text)
    if dialect == "postgresql":
        return func.string_agg(value, aggregate_order_by(literal, *order), type_=Text)
    return func.group_concat(value, literal, type_=Text)


def sorts_narrow_rows_first(dialect: str) -> bool:
    """Whether a page of wide rows is picked and ordered on its narrow columns first, then joined back to
    read the wide ones. On SQLite carrying stored text through the sort costs more than the extra lookups;
    on PostgreSQL the lookups cost more (docs/benchmarks.md)."""
    return dialect == "sqlite"


def starts_with(column: Any, prefix: Any, bound: Any) -> ColumnElement[bool]:
    """`column` starts with `prefix` (`bound`: the smallest text above every such value), as a range on
    the column's index. The column must compare bytes: SQLite's BINARY, PostgreSQL's "C" collation
    (in a language's collation a prefix is not a range)."""
    return and_(column >= prefix, column < bound)


def upsert_rows(session: DbSession, model: Any, conflict: list[str], changing: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (conflict) DO UPDATE SET each of `changing` to the incoming row's value;
    run it with a list of rows (one executemany)."""
    insert = sqlite.insert if dialect_of(session) == "sqlite" else postgresql.insert
    statement = insert(model)
    return statement.on_conflict_do_update(
        index_elements=conflict, set_={name: statement.excluded[name] for name in changing}
    )
