"""The one place where SQLite/SpatiaLite and PostgreSQL/PostGIS spell things differently."""

from __future__ import annotations

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
from sqlalchemy.orm import InstrumentedAttribute, Session

from geo.coordinates import BBox


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def within_bbox(
    session: Session,
    table_name: str,
    pk: InstrumentedAttribute[int],
    geom: InstrumentedAttribute[object],
    bbox: BBox,
) -> ColumnElement[bool]:
    """Rows whose geometry's bounding box meets `bbox`, through the spatial index on both engines.

    SpatiaLite never uses its R*Tree implicitly, so the index table is queried by hand; its
    float32 bounds are rounded outwards, so the lookup is conservative (callers refine exactly).
    """
    if dialect_of(session) == "sqlite":
        index = table(f"idx_{table_name}_{geom.key}")
        xmin, xmax = literal_column("xmin"), literal_column("xmax")
        ymin, ymax = literal_column("ymin"), literal_column("ymax")
        hits = (
            select(literal_column("pkid"))
            .select_from(index)
            .where(
                and_(
                    xmin <= bbox.max_lon,
                    xmax >= bbox.min_lon,
                    ymin <= bbox.max_lat,
                    ymax >= bbox.min_lat,
                )
            )
        )
        return pk.in_(hits)
    envelope = func.ST_MakeEnvelope(bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat, 4326)
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
