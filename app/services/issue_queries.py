"""Reading issues: map features by bounding box, the ranked list, nearby suggestions, one issue.

Hot paths select plain columns, never whole ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session, selectinload

from app.dialects import dialect_of, within_bbox
from app.models import Area, Category, Issue, Status
from app.models.place import StatusType
from app.services.errors import NotFound, ValidationError
from geo.coordinates import BBox
from geo.distance import bbox_around
from geo.nearby import Located, nearest_within

RANKING_RULE = "Most likes first; when two problems have as many likes, the older report ranks higher."
SORTS = ("rank", "new")


@dataclass(frozen=True)
class IssueFilters:
    category: str | None = None
    statuses: tuple[str, ...] = ()  # status codes and/or types (open, closed, fixed)
    area_id: int | None = None
    bbox: BBox | None = None
    include_hidden: bool = False  # moderated-away issues: staff views only


class IssueRow(NamedTuple):
    """One issue as the lists and the map show it (a tuple: building a frozen dataclass per row cost the
    map's 200-pin response a third of a millisecond)."""

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


def resolve_statuses(session: Session, wanted: tuple[str, ...]) -> list[str]:
    """Status codes for a mix of codes and types; unknown values are an error naming `status`."""
    known = {code: kind for code, kind in session.connection().execute(_STATUS_TYPES).tuples()}
    types = {t.value for t in StatusType}
    codes: list[str] = []
    for value in wanted:
        if value in types:
            codes.extend(c for c, k in known.items() if k == value)
        elif value in known:
            codes.append(value)
        else:
            raise ValidationError(
                f"Status {value[:40]!r} is unknown; use one of {', '.join(sorted(types | set(known)))}.",
                "status",
            )
    return sorted(set(codes))


@dataclass(frozen=True)
class _Shape:
    """Which filters a query has (not their values): one statement is built per shape and dialect."""

    dialect: str
    category: bool
    statuses: bool
    area: bool
    bbox: bool
    include_hidden: bool


# Built once per shape and reused with new bound values. Building a Select and its cache key costs more
# than running the map's bbox query on SQLite, so the hot paths never rebuild one (docs/benchmarks.md).
_STATEMENTS: dict[tuple[_Shape, str], Select[tuple[object, ...]]] = {}
_COUNTS: dict[_Shape, Select[tuple[int]]] = {}
_STATUS_TYPES = select(Status.code, Status.type)
BBOX_PARAMS = ("min_lon", "min_lat", "max_lon", "max_lat")
_CATEGORY_EXISTS = select(Category.code).where(Category.code == bindparam("category"))


def _shape(session: Session, filters: IssueFilters) -> _Shape:
    return _Shape(
        dialect_of(session),
        category=bool(filters.category),
        statuses=bool(filters.statuses),
        area=filters.area_id is not None,
        bbox=filters.bbox is not None,
        include_hidden=filters.include_hidden,
    )


def _filtered(stmt: Select[tuple[object, ...]], shape: _Shape) -> Select[tuple[object, ...]]:
    """`stmt` restricted by the shape's filters, with the values left as bound parameters."""
    if not shape.include_hidden:
        stmt = stmt.where(Issue.is_hidden.is_(False))
    if shape.category:
        stmt = stmt.where(Issue.category_code == bindparam("category"))
    if shape.statuses:
        # A list of codes, not a subquery: with a list SQLite reads the ranked top 50 straight off
        # ix_issues_area_rank; with a subquery it sorts the whole area (docs/benchmarks.md).
        stmt = stmt.where(Issue.status.in_(bindparam("statuses", expanding=True)))
    if shape.area:
        stmt = stmt.where(Issue.area_id == bindparam("area_id"))
    if shape.bbox:
        bounds = tuple(bindparam(name, type_=Float) for name in BBOX_PARAMS)
        min_lon, min_lat, max_lon, max_lat = bounds
        stmt = stmt.where(within_bbox(shape.dialect, "issues", Issue.id, Issue.geom, bounds)).where(
            Issue.lon.between(min_lon, max_lon), Issue.lat.between(min_lat, max_lat)
        )
    return stmt


def _order_by(sort: str, likes: Any, created_at: Any, issue_id: Any) -> list[Any]:
    if sort == "new":
        return [created_at.desc(), issue_id.desc()]
    if sort == "rank":
        return [likes.desc(), created_at, issue_id]
    raise ValidationError(f"sort must be one of {', '.join(SORTS)}.", "sort")


def list_statement(shape: _Shape, sort: str) -> Select[tuple[object, ...]]:
    stmt = _STATEMENTS.get((shape, sort))
    if stmt is None:
        stmt = _filtered(_base(), shape).order_by(
            *_order_by(sort, Issue.likes_count, Issue.created_at, Issue.id)
        )
        stmt = stmt.limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer))
        _STATEMENTS[(shape, sort)] = stmt
    return stmt


def _values(session: Session, filters: IssueFilters) -> dict[str, object]:
    """The bound values for `filters`, checked: an unknown category or status names its field."""
    values: dict[str, object] = {}
    if filters.category:
        if session.connection().execute(_CATEGORY_EXISTS, {"category": filters.category}).first() is None:
            raise ValidationError(f"Category {filters.category[:40]!r} is unknown.", "category")
        values["category"] = filters.category
    if filters.statuses:
        values["statuses"] = resolve_statuses(session, filters.statuses)
    if filters.area_id is not None:
        values["area_id"] = filters.area_id
    if filters.bbox is not None:
        values.update(zip(BBOX_PARAMS, filters.bbox.as_list(), strict=True))
    return values


def _prepared(session: Session, filters: IssueFilters, sort: str) -> tuple[_Shape, dict[str, object]]:
    if sort not in SORTS:
        raise ValidationError(f"sort must be one of {', '.join(SORTS)}.", "sort")
    return _shape(session, filters), _values(session, filters)


def filtered_statement(
    session: Session, filters: IssueFilters, sort: str
) -> tuple[Select[tuple[object, ...]], dict[str, object]]:
    """The list statement for `filters` and its bound values (also what the benchmark EXPLAINs)."""
    shape, values = _prepared(session, filters, sort)
    return list_statement(shape, sort), values


def list_issues(
    session: Session, filters: IssueFilters, sort: str, limit: int, offset: int = 0
) -> list[IssueRow]:
    stmt, values = filtered_statement(session, filters, sort)
    # Core execution: plain column tuples, without the ORM's result processing.
    rows = session.connection().execute(stmt, {**values, "limit": limit, "offset": offset}).all()
    return list(map(IssueRow._make, rows))


# The GeoJSON properties of an issue, named as IssueRow's fields, plus "url". app/api/features.py builds
# them in Python for one issue; feature_page has the database build them for a list.
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
    """A page of issues as the map and the lists get them: on SQLite, the Features as JSON text that the
    database built; on PostgreSQL, the rows, for the caller to build the Features in Python.

    Measured on the map's 202-pin viewport (docs/benchmarks.md): SQLite's JSON functions beat Python's
    row-by-row build (1.34 vs 1.51 ms), PostgreSQL's lose to it (2.4 vs 1.5 ms).
    """

    features_json: str | None  # a JSON array of GeoJSON Features (SQLite)
    rows: list[IssueRow]  # (PostgreSQL)
    has_next: bool


_FEATURE_STATEMENTS: dict[tuple[_Shape, str], Select[tuple[object, ...]]] = {}


def _json_object(pairs: list[tuple[str, Any]]) -> ColumnElement[Any]:
    """SQLite's json_object from (key, SQL expression) pairs; the keys are trusted constants."""
    args: list[Any] = []
    for key, value in pairs:
        args += [literal_column("'" + key.replace("'", "''") + "'"), value]
    return func.json_object(*args)


def _features_statement(shape: _Shape, sort: str) -> Select[tuple[object, ...]]:
    """SQLite: one row, the JSON array of the list's Features and how many there are.

    SQLite's JSON functions build the Features in C, faster than Python row by row (FeaturePage). It has
    no ORDER BY inside an aggregate before 3.44; json_group_array takes the rows in the order the
    subquery's ORDER BY gives them (a test checks the order).
    """
    stmt = _FEATURE_STATEMENTS.get((shape, sort))
    if stmt is not None:
        return stmt
    sub = list_statement(shape, sort).subquery()
    column = dict(zip(IssueRow._fields, sub.c, strict=True))
    properties: list[tuple[str, Any]] = [(name, column[name]) for name in FEATURE_PROPERTIES]
    properties[FEATURE_PROPERTIES.index("created_at")] = (
        "created_at",  # as the JSON provider writes datetimes: 2026-06-18T23:56:00Z
        func.strftime(literal_column("'%Y-%m-%dT%H:%M:%SZ'"), column["created_at"]),
    )
    url = (
        bindparam("url_prefix", type_=String)
        + cast(column["id"], String)
        + bindparam("url_suffix", type_=String)
    )
    point = _json_object(
        [("type", literal_column("'Point'")), ("coordinates", func.json_array(column["lon"], column["lat"]))]
    )
    feature = _json_object(
        [
            ("type", literal_column("'Feature'")),
            ("id", column["id"]),
            ("geometry", point),
            ("properties", _json_object([*properties, ("url", url)])),
        ]
    )
    stmt = select(cast(func.json_group_array(feature), Text), func.count()).select_from(sub)
    _FEATURE_STATEMENTS[(shape, sort)] = stmt
    return stmt


def feature_page(
    session: Session, filters: IssueFilters, sort: str, limit: int, offset: int, url_template: str
) -> FeaturePage:
    """Up to `limit` issues as GeoJSON Features (FeaturePage says in which form), and whether more follow.

    `url_template` is the issue page's URL with `{}` where the id goes.
    """
    shape, values = _prepared(session, filters, sort)
    connection = session.connection()
    page_values = {**values, "limit": limit, "offset": offset}
    features_json: str | None = None
    rows: list[IssueRow] = []
    if shape.dialect == "sqlite":
        prefix, _, suffix = url_template.partition("{}")
        features_json, count = connection.execute(
            _features_statement(shape, sort), {**page_values, "url_prefix": prefix, "url_suffix": suffix}
        ).one()
    else:
        rows = list(map(IssueRow._make, connection.execute(list_statement(shape, sort), page_values)))
        count = len(rows)
    has_next = count == limit and (
        connection.execute(
            list_statement(shape, sort), {**values, "limit": 1, "offset": offset + limit}
        ).first()
        is not None
    )
    return FeaturePage(features_json, rows, has_next)


def count_issues(session: Session, filters: IssueFilters) -> int:
    shape = _shape(session, filters)
    stmt = _COUNTS.get(shape)
    if stmt is None:
        stmt = _COUNTS[shape] = _filtered(select(func.count(Issue.id)), shape)  # type: ignore[arg-type]
    return int(session.connection().execute(stmt, _values(session, filters)).scalar() or 0)


def ranked(
    session: Session,
    area_id: int | None = None,
    category: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[IssueRow]:
    """The priority list: open issues, most likes first, ties to the older report."""
    filters = IssueFilters(category=category, statuses=(StatusType.OPEN.value,), area_id=area_id)
    return list_issues(session, filters, "rank", limit, offset)


def suggestions(
    session: Session, lon: float, lat: float, category: str, radius_m: float, limit: int
) -> list[tuple[IssueRow, float]]:
    """Open issues of the same category within `radius_m` metres, nearest first."""
    box = bbox_around(lon, lat, radius_m)
    filters = IssueFilters(category=category, statuses=(StatusType.OPEN.value,), bbox=box)
    rows = list_issues(session, filters, "rank", limit=1000)
    near = nearest_within(lon, lat, (Located(r, r.lon, r.lat) for r in rows), radius_m, limit)
    return [(n.item, n.distance_m) for n in near]


def get_issue(session: Session, issue_id: int) -> Issue:
    issue = session.scalar(select(Issue).where(Issue.id == issue_id).options(selectinload(Issue.photos)))
    if issue is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    return issue


def get_issue_row(session: Session, issue_id: int) -> IssueRow:
    row = session.execute(_base().where(Issue.id == issue_id)).tuples().first()
    if row is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    return _row(row)
