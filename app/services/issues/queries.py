"""Reading issues: map features by bounding box, the ranked list, nearby suggestions, one issue.

Hot paths select plain columns, never whole ORM objects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Select,
    SQLColumnExpression,
    Text,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import aliased, selectinload

from app.database.driver import first_row_on_driver
from app.database.sessions import DbSession
from app.database.spellings import dialect_of, joined_in_order, sorts_narrow_rows_first, within_bbox
from app.models import Area, Category, Issue, Status
from app.models.place import StatusType
from app.services.issues.list_orders import AFTER_ID, check_sort, cursor_condition, order_by
from app.services.issues.status_types import resolve_statuses
from app.services.kernel.errors import NotFound, ValidationError
from geo.coordinates import BBox
from geo.distance import bbox_around
from geo.nearby import Located, nearest_within


@dataclass(frozen=True)
class IssueFilters:
    category: str | None = None
    statuses: tuple[str, ...] = ()  # status codes and/or types (open, closed, fixed)
    area_id: int | None = None
    bbox: BBox | None = None
    include_hidden: bool = False  # moderated-away issues: staff views only


class IssueRow(NamedTuple):
    """One issue as the lists and the map show it (a tuple: building a frozen dataclass per row was a
    visible part of the map's response)."""

    id: int
    title: str
    category: str
    category_name: str
    status: str
    status_name: str
    status_type: str
    likes: int
    area_id: int
    area: str
    created_at: datetime
    lon: float
    lat: float
    place: str | None  # the nearest street in words (app/services/gazetteer), None where none is known


COLUMNS = (
    Issue.id,
    Issue.title,
    Issue.category_code,
    Category.name,
    Issue.status,
    Status.name,
    Status.type,
    Issue.likes_count,
    Issue.area_id,
    Area.name,
    Issue.created_at,
    Issue.lon,
    Issue.lat,
    Issue.place,
)


def _base() -> Select[tuple[object, ...]]:
    return (
        select(*COLUMNS)
        .join(Category, Category.code == Issue.category_code)
        .join(Status, Status.code == Issue.status)
        .join(Area, Area.id == Issue.area_id)
    )


def _row(r: tuple[object, ...]) -> IssueRow:
    return IssueRow._make(r)


@dataclass(frozen=True)
class _Shape:
    """Which filters a query has (not their values): one statement is built per shape and dialect."""

    dialect: str
    category: bool
    statuses: int | None  # how many status codes the filter lists (None: no status filter)
    area: bool
    bbox: bool
    include_hidden: bool


# Built once per shape and reused with new bound values. Building a Select and its cache key costs more
# than running the map's bbox query on SQLite, so the hot paths never rebuild one (docs/benchmarks.md).
_STATEMENTS: dict[tuple[_Shape, str], Select[tuple[object, ...]]] = {}
_Row = TypeVar("_Row", bound=tuple[Any, ...])
_COUNTS: dict[_Shape, Select[tuple[int]]] = {}
BBOX_PARAMS = ("min_lon", "min_lat", "max_lon", "max_lat")
_CATEGORY_EXISTS = select(Category.code).where(Category.code == bindparam("category"))


def _shape(session: DbSession, filters: IssueFilters, status_codes: int | None) -> _Shape:
    return _Shape(
        dialect_of(session),
        category=bool(filters.category),
        statuses=status_codes,
        area=filters.area_id is not None,
        bbox=filters.bbox is not None,
        include_hidden=filters.include_hidden,
    )


def _filtered(stmt: Select[_Row], shape: _Shape) -> Select[_Row]:
    """`stmt` restricted by the shape's filters, with the values left as bound parameters."""
    if not shape.include_hidden:
        # `= false`, not `IS false`: PostgreSQL can use the rank indexes (is_hidden first) for the one only.
        stmt = stmt.where(Issue.is_hidden == false())
    if shape.category:
        stmt = stmt.where(Issue.category_code == bindparam("category"))
    if shape.statuses is not None:
        # A list of codes, not a subquery: with a list SQLite reads the ranked top 50 straight off
        # ix_issues_area_rank; with a subquery it sorts the whole area (docs/benchmarks.md). One bound
        # parameter per code, not an expanding one: SQLAlchemy would render the statement's SQL again on
        # every execution. Shapes stay few: there are few statuses.
        codes = [bindparam(f"status_{i}", type_=Text) for i in range(shape.statuses)]
        stmt = stmt.where(Issue.status.in_(codes) if codes else false())
    if shape.area:
        stmt = stmt.where(Issue.area_id == bindparam("area_id"))
    if shape.bbox:
        min_lon, min_lat, max_lon, max_lat = (bindparam(name, type_=Float) for name in BBOX_PARAMS)
        bounds = (min_lon, min_lat, max_lon, max_lat)
        stmt = stmt.where(within_bbox(shape.dialect, "issues", Issue.id, Issue.geom, bounds)).where(
            Issue.lon.between(min_lon, max_lon), Issue.lat.between(min_lat, max_lat)
        )
    return stmt


def _page(stmt: Select[_Row], shape: _Shape, sort: str) -> Select[_Row]:
    """`stmt` filtered by the shape, in the sort's order, one page of it (limit and offset bound; in id
    order also after the bound cursor, list_orders.AFTER_ID)."""
    filtered = _filtered(stmt, shape)
    if (after := cursor_condition(sort, Issue.id)) is not None:
        filtered = filtered.where(after)
    ordered = filtered.order_by(*order_by(sort, Issue.likes_count, Issue.created_at, Issue.id))
    # BIGINT: PostgreSQL reads a bound INTEGER as 32 bits, and the last pages' offsets are larger.
    return ordered.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=BigInteger))


def list_statement(shape: _Shape, sort: str) -> Select[tuple[object, ...]]:
    stmt = _STATEMENTS.get((shape, sort))
    if stmt is None:
        stmt = _STATEMENTS[(shape, sort)] = _page(_base(), shape, sort)
    return stmt


def _bound(session: DbSession, filters: IssueFilters) -> tuple[_Shape, dict[str, object]]:
    """The shape of `filters` and its bound values, checked: an unknown category or status names its
    field."""
    values: dict[str, object] = {}
    status_codes = None
    if filters.category:
        if session.connection().execute(_CATEGORY_EXISTS, {"category": filters.category}).first() is None:
            raise ValidationError(f"Category {filters.category[:40]!r} is unknown.", "category")
        values["category"] = filters.category
    if filters.statuses:
        codes = resolve_statuses(session, filters.statuses)
        values.update((f"status_{i}", code) for i, code in enumerate(codes))
        status_codes = len(codes)
    if filters.area_id is not None:
        values["area_id"] = filters.area_id
    if filters.bbox is not None:
        values.update(zip(BBOX_PARAMS, filters.bbox.as_list(), strict=True))
    return _shape(session, filters, status_codes), values


def bound_filters(session: DbSession, filters: IssueFilters) -> tuple[_Shape, dict[str, object]]:
    """The shape of `filters` and its checked bound values, for statements built on `filtered`."""
    return _bound(session, filters)


def filtered(stmt: Select[_Row], shape: _Shape) -> Select[_Row]:
    """`stmt` restricted by the shape's filters (the map's clusters use the lists' filters)."""
    return _filtered(stmt, shape)


def _prepared(
    session: DbSession, filters: IssueFilters, sort: str, after: int = 0
) -> tuple[_Shape, dict[str, object]]:
    check_sort(sort)
    shape, values = _bound(session, filters)
    return shape, {**values, AFTER_ID: after} if sort == "id" else values


def filtered_statement(
    session: DbSession, filters: IssueFilters, sort: str
) -> tuple[Select[tuple[object, ...]], dict[str, object]]:
    """The list statement for `filters` and its bound values (also what the benchmark EXPLAINs)."""
    shape, values = _prepared(session, filters, sort)
    return list_statement(shape, sort), values


def list_issues(
    session: DbSession, filters: IssueFilters, sort: str, limit: int, offset: int = 0
) -> list[IssueRow]:
    stmt, values = filtered_statement(session, filters, sort)
    # Core execution: plain column tuples, without the ORM's result processing.
    rows = session.connection().execute(stmt, {**values, "limit": limit, "offset": offset}).all()
    return list(map(IssueRow._make, rows))


# The GeoJSON properties of an issue, named as IssueRow's fields, plus "url". app/api/features.py builds
# them in Python for one issue; for lists, feature_page reads the same properties from the text that the
# database keeps per issue (migration bc380c228d29), and tests hold the two equal.
FEATURE_PROPERTIES = (
    "id",
    "title",
    "category",
    "category_name",
    "status",
    "status_name",
    "status_type",
    "likes",
    "area",
    "area_id",
    "created_at",
)


@dataclass(frozen=True)
class FeaturePage:
    """A page of issues as the map and the lists get them: a JSON array of GeoJSON Features, whether
    more follow, and the highest id among them (in id order the last; None for an empty page)."""

    features_json: str
    has_next: bool
    last_id: int | None = None


# The page's Features as one JSON array, how many, and the highest id among them.
_FeatureRow = Select[tuple[str, int, int | None]]
_FEATURE_STATEMENTS: dict[tuple[_Shape, str], _FeatureRow] = {}


def _text(constant: str) -> ColumnElement[str]:
    """A trusted constant as an SQL text literal."""
    return literal_column("'" + constant.replace("'", "''") + "'", type_=Text)


def _features_statement(shape: _Shape, sort: str) -> _FeatureRow:
    """One row: the JSON array of the list's Features, how many there are and the highest id.

    Each issue stores its Feature's text around its like count (Issue.feature_head/feature_tail, kept by
    database triggers); the statement joins the parts with the count and the issue's URL. Encoding the
    Features per request instead (SQLite's json_object, PostgreSQL's to_json) cost the map's request
    more (docs/benchmarks.md).

    The Features join in the page's order (spellings.joined_in_order).
    """
    stmt = _FEATURE_STATEMENTS.get((shape, sort))
    if stmt is not None:
        return stmt
    # The issues alone: the names the Features show are in their text, so no join to the lookup tables.
    keys = (Issue.id, Issue.likes_count, Issue.created_at)
    head: SQLColumnExpression[str | None]
    tail: SQLColumnExpression[str | None]
    if sorts_narrow_rows_first(shape.dialect):
        sub = _page(select(*keys), shape, sort).subquery()
        stored = aliased(Issue, name="stored")
        head, tail = stored.feature_head, stored.feature_tail
        source: FromClause = sub.join(stored, stored.id == sub.c.id)
    else:
        sub = _page(select(*keys, Issue.feature_head, Issue.feature_tail), shape, sort).subquery()
        head, tail = sub.c.feature_head, sub.c.feature_tail
        source = sub
    feature = (
        head
        + cast(sub.c.likes_count, Text)
        + tail
        + bindparam("url_open", type_=Text)
        + cast(sub.c.id, Text)
        + bindparam("url_close", type_=Text)
    )
    order = order_by(sort, sub.c.likes_count, sub.c.created_at, sub.c.id)
    joined = joined_in_order(shape.dialect, feature, ",", order)
    features = func.coalesce(_text("[") + joined + _text("]"), _text("[]"), type_=Text)
    stmt = select(features, func.count(), func.max(sub.c.id)).select_from(source)
    _FEATURE_STATEMENTS[(shape, sort)] = stmt
    return stmt


def feature_statement(
    session: DbSession, filters: IssueFilters, sort: str
) -> tuple[_FeatureRow, dict[str, object]]:
    """The map's and the lists' statement for `filters` and its bound values, without the page and URL
    values (what the benchmark EXPLAINs)."""
    shape, values = _prepared(session, filters, sort)
    return _features_statement(shape, sort), values


def feature_page(
    session: DbSession,
    filters: IssueFilters,
    sort: str,
    limit: int,
    offset: int,
    url_template: str,
    after: int = 0,
) -> FeaturePage:
    """Up to `limit` issues as GeoJSON Features (JSON text), and whether more follow.

    `url_template` is the issue page's URL with `{}` where the id goes. In id order, `after` starts the
    page after that id (a keyset page, which no insert or like moves); the other orders ignore it.
    """
    shape, values = _prepared(session, filters, sort, after)
    connection = session.connection()
    prefix, _, suffix = url_template.partition("{}")
    url = {  # the URL closes the Feature: its properties, then the Feature itself
        "url_open": '"' + json.dumps(prefix)[1:-1],
        "url_close": json.dumps(suffix)[1:-1] + '"}}',
    }
    bound = {**values, "limit": limit, "offset": offset, **url}
    # On the driver: through SQLAlchemy's execution machinery the map's request cost clearly more
    # (docs/benchmarks.md, issue 13).
    features_json, count, last_id = first_row_on_driver(session, _features_statement(shape, sort), bound)
    has_next = count == limit and (
        connection.execute(
            list_statement(shape, sort), {**values, "limit": 1, "offset": offset + limit}
        ).first()
        is not None
    )
    return FeaturePage(features_json, has_next, None if last_id is None else int(last_id))


def count_issues(session: DbSession, filters: IssueFilters) -> int:
    shape, values = _bound(session, filters)
    stmt = _COUNTS.get(shape)
    if stmt is None:
        stmt = _COUNTS[shape] = _filtered(select(func.count(Issue.id)), shape)
    return int(session.connection().execute(stmt, values).scalar() or 0)


def ranked(
    session: DbSession,
    area_id: int | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[IssueRow]:
    """The priority list: open issues, most likes first, ties to the older report."""
    filters = IssueFilters(category=category, statuses=(StatusType.OPEN.value,), area_id=area_id)
    return list_issues(session, filters, "rank", limit, offset)


def suggestions(
    session: DbSession, lon: float, lat: float, category: str, radius_m: float, limit: int
) -> list[tuple[IssueRow, float]]:
    """Open issues of the same category within `radius_m` metres, nearest first."""
    box = bbox_around(lon, lat, radius_m)
    filters = IssueFilters(category=category, statuses=(StatusType.OPEN.value,), bbox=box)
    rows = list_issues(session, filters, "rank", limit=1000)
    near = nearest_within(lon, lat, (Located(r, r.lon, r.lat) for r in rows), radius_m, limit)
    return [(n.item, n.distance_m) for n in near]


def get_issue(session: DbSession, issue_id: int) -> Issue:
    issue = session.scalar(select(Issue).where(Issue.id == issue_id).options(selectinload(Issue.photos)))
    if issue is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    return issue


def get_issue_row(session: DbSession, issue_id: int) -> IssueRow:
    row = session.execute(_base().where(Issue.id == issue_id)).tuples().first()
    if row is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    return _row(row)
