"""Reading issues: map features by bounding box, the ranked list, nearby suggestions, one issue.

Hot paths select plain columns, never whole ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from app.dialects import within_bbox
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


@dataclass(frozen=True, slots=True)
class IssueRow:
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
    return IssueRow(*r)  # type: ignore[arg-type]


def resolve_statuses(session: Session, wanted: tuple[str, ...]) -> list[str]:
    """Status codes for a mix of codes and types; unknown values are an error naming `status`."""
    known = {code: kind for code, kind in session.execute(select(Status.code, Status.type)).tuples()}
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


def _filtered(
    session: Session, stmt: Select[tuple[object, ...]], filters: IssueFilters
) -> Select[tuple[object, ...]]:
    if not filters.include_hidden:
        stmt = stmt.where(Issue.is_hidden.is_(False))
    if filters.category:
        if session.scalar(select(Category.code).where(Category.code == filters.category)) is None:
            raise ValidationError(f"Category {filters.category[:40]!r} is unknown.", "category")
        stmt = stmt.where(Issue.category_code == filters.category)
    if filters.statuses:
        # Literal codes, not a subquery: with a list SQLite reads the ranked top 50 straight off
        # ix_issues_area_rank; with a subquery it sorts the whole area (docs/benchmarks.md).
        stmt = stmt.where(Issue.status.in_(resolve_statuses(session, filters.statuses)))
    if filters.area_id is not None:
        stmt = stmt.where(Issue.area_id == filters.area_id)
    if filters.bbox is not None:
        b = filters.bbox
        stmt = stmt.where(within_bbox(session, "issues", Issue.id, Issue.geom, b)).where(
            Issue.lon.between(b.min_lon, b.max_lon), Issue.lat.between(b.min_lat, b.max_lat)
        )
    return stmt


def _ordered(stmt: Select[tuple[object, ...]], sort: str) -> Select[tuple[object, ...]]:
    if sort == "new":
        return stmt.order_by(Issue.created_at.desc(), Issue.id.desc())
    if sort == "rank":
        return stmt.order_by(Issue.likes_count.desc(), Issue.created_at, Issue.id)
    raise ValidationError(f"sort must be one of {', '.join(SORTS)}.", "sort")


def list_issues(
    session: Session, filters: IssueFilters, sort: str, limit: int, offset: int = 0
) -> list[IssueRow]:
    stmt = _ordered(_filtered(session, _base(), filters), sort).limit(limit).offset(offset)
    # Core execution: plain column tuples, without the ORM's result processing.
    return [IssueRow(*r) for r in session.connection().execute(stmt).tuples()]


def count_issues(session: Session, filters: IssueFilters) -> int:
    stmt = _filtered(session, select(func.count(Issue.id)), filters)
    return int(session.scalar(stmt) or 0)


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
