"""The officials' priority list: filters parsed from a query string, the ranked page, the shared WHERE clause.

Hot path: selects plain columns (never ORM objects), counts without joins, and resolves status types
to codes once, so the database can use the rank indexes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import ColumnElement, Select, false, func, select, true

from app.database.sessions import DbSession
from app.models import Area, Category, Issue, Status
from app.models.place import StatusType
from app.models.timestamps import utcnow
from app.services.issues.status_types import resolve_statuses, status_types
from app.services.kernel.city_time import city_day_end, city_day_start
from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import parse_int
from app.services.workspace import kept_counts
from app.services.workspace.targets import overdue_condition

SORTS: dict[str, str] = {
    "rank": "Rank (most likes, older first)",
    "likes": "Most likes (newer first)",
    "oldest": "Oldest first",
    "newest": "Newest first",
    "activity": "Latest activity",
}
DEFAULT_STATUS = "open"
PER_PAGE = 50
MAX_PAGE = 10_000


@dataclass(frozen=True)
class DashboardFilters:
    """What an official narrowed the list to; every field is optional except the status mix."""

    area_id: int | None = None
    category: str | None = None
    statuses: tuple[str, ...] = (DEFAULT_STATUS,)  # codes and/or types (open, closed, fixed)
    created_from: date | None = None
    created_to: date | None = None  # inclusive
    min_likes: int = 0
    overdue: bool = False  # only open problems waiting longer than their category's target time
    # Only hidden reports (moderated away, or held for their reporter's confirmation): the one list
    # where an official finds a report they hid, to show it again.
    hidden: bool = False

    def as_query(self) -> dict[str, str]:
        """The filters as query-string parameters (for links to exports, feeds and other pages)."""
        query: dict[str, str] = {"status": ",".join(self.statuses)}
        if self.area_id is not None:
            query["area"] = str(self.area_id)
        if self.category:
            query["category"] = self.category
        if self.created_from:
            query["from"] = self.created_from.isoformat()
        if self.created_to:
            query["to"] = self.created_to.isoformat()
        if self.min_likes:
            query["min_likes"] = str(self.min_likes)
        if self.overdue:
            query["overdue"] = "yes"
        if self.hidden:
            query["hidden"] = "yes"
        return query

    @property
    def counts_issues(self) -> bool:
        """Whether counting needs the issues themselves: issue_counts keeps no dates, likes or ages, and
        counts visible issues only."""
        return bool(self.created_from or self.created_to or self.min_likes or self.overdue or self.hidden)


@dataclass(frozen=True)
class PriorityRow:
    id: int
    title: str
    category_name: str
    status: str
    status_name: str
    status_type: str
    area_name: str
    likes: int
    created_at: datetime
    last_activity_at: datetime | None


@dataclass(frozen=True)
class PriorityPage:
    rows: list[PriorityRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def _date(raw: str, field: str, label: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{label} must be a date like 2026-05-31, not {raw[:20]!r}.", field) from None


def _whole(raw: str, field: str, label: str, minimum: int, maximum: int) -> int:
    return parse_int(raw, field, minimum=minimum, maximum=maximum, label=label)


def parse_filters(session: DbSession, args: Mapping[str, str]) -> DashboardFilters:
    """Filters from query parameters (area, category, status, from, to, min_likes, overdue, hidden);
    errors name the field."""
    filters = DashboardFilters()
    raw_area = (args.get("area") or "").strip()
    if raw_area:
        area_id = _whole(raw_area, "area", "Area", 1, 2**31 - 1)
        if session.scalar(select(Area.id).where(Area.id == area_id)) is None:
            raise ValidationError(f"Area {area_id} does not exist.", "area")
        filters = replace(filters, area_id=area_id)
    category = (args.get("category") or "").strip()
    if category:
        if session.scalar(select(Category.code).where(Category.code == category)) is None:
            raise ValidationError(f"Category {category[:40]!r} is unknown.", "category")
        filters = replace(filters, category=category)
    raw_status = (args.get("status") or "").strip()
    if raw_status:
        statuses = tuple(dict.fromkeys(s.strip() for s in raw_status.split(",") if s.strip()))
        resolve_statuses(session, statuses)  # raises on an unknown value
        filters = replace(filters, statuses=statuses or (DEFAULT_STATUS,))
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if raw_from:
        filters = replace(filters, created_from=_date(raw_from, "from", "From"))
    if raw_to:
        filters = replace(filters, created_to=_date(raw_to, "to", "To"))
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        raise ValidationError("From must be on or before To.", "from")
    raw_likes = (args.get("min_likes") or "").strip()
    if raw_likes:
        filters = replace(filters, min_likes=_whole(raw_likes, "min_likes", "Minimum likes", 0, 10**9))
    return replace(
        filters,
        overdue=_yes_or_no(args, "overdue", "Overdue"),
        hidden=_yes_or_no(args, "hidden", "Hidden"),
    )


def _yes_or_no(args: Mapping[str, str], field: str, label: str) -> bool:
    raw = (args.get(field) or "").strip().lower()
    if raw not in ("", "yes", "no"):
        raise ValidationError(f"{label} must be yes or no, not {raw[:20]!r}.", field)
    return raw == "yes"


def parse_sort(raw: str | None) -> str:
    sort = (raw or "rank").strip()
    if sort not in SORTS:
        raise ValidationError(f"Sort must be one of {', '.join(SORTS)}, not {sort[:20]!r}.", "sort")
    return sort


def parse_page(raw: str | None) -> int:
    return _whole(raw, "page", "Page", 1, MAX_PAGE) if raw and raw.strip() else 1


def conditions(session: DbSession, filters: DashboardFilters) -> list[ColumnElement[bool]]:
    """The WHERE clause shared by the list, the exports and the charts (no joins needed)."""
    # `= false`, not `IS false`: PostgreSQL can use an index for the one, not the other (ix_issues_rank).
    where: list[ColumnElement[bool]] = [Issue.is_hidden == (true() if filters.hidden else false())]
    codes = resolve_statuses(session, filters.statuses)
    if set(codes) != set(status_types(session)):
        where.append(Issue.status.in_(codes))
    if filters.area_id is not None:
        where.append(Issue.area_id == filters.area_id)
    if filters.category:
        where.append(Issue.category_code == filters.category)
    if filters.created_from:
        where.append(Issue.created_at >= city_day_start(filters.created_from))
    if filters.created_to:
        where.append(Issue.created_at < city_day_end(filters.created_to))
    if filters.min_likes:
        where.append(Issue.likes_count >= filters.min_likes)
    if filters.overdue:  # as the inbox's overdue section: open, and past the category's target time
        where.append(Issue.status.in_(resolve_statuses(session, (StatusType.OPEN.value,))))
        where.append(overdue_condition(session, utcnow(), current_app.config["STAFF_TARGET_DAYS"]))
    return where


# What a select's rows hold: ordering keeps a statement's row type.
_Row = TypeVar("_Row", bound=tuple[Any, ...])


def ordered(stmt: Select[_Row], sort: str) -> Select[_Row]:
    """`stmt` in one of SORTS' orders (the list and the CSV export share it)."""
    order = {
        "rank": (Issue.likes_count.desc(), Issue.created_at, Issue.id),
        "likes": (Issue.likes_count.desc(), Issue.created_at.desc(), Issue.id.desc()),
        "oldest": (Issue.created_at, Issue.id),
        "newest": (Issue.created_at.desc(), Issue.id.desc()),
        "activity": (Issue.last_activity_at.desc(), Issue.id.desc()),
    }[sort]
    return stmt.order_by(*order)


def _total(session: DbSession, filters: DashboardFilters, where: list[ColumnElement[bool]]) -> int:
    """How many issues the filters select: from the kept counts unless a date or likes filter is set."""
    if filters.counts_issues:
        return int(session.connection().scalar(select(func.count()).select_from(Issue).where(*where)) or 0)
    codes = resolve_statuses(session, filters.statuses)
    return kept_counts.visible_issues(session, codes, filters.area_id, filters.category)


def per_area(session: DbSession, filters: DashboardFilters) -> dict[int, tuple[int, int]]:
    """Per area id: (the issues the filters select there, their likes), whatever area the filters chose,
    so the chosen area's count is the list's total; areas without any are absent."""
    if not filters.counts_issues:
        codes = resolve_statuses(session, filters.statuses)
        return kept_counts.per_area(session, codes, filters.category)
    likes = func.coalesce(func.sum(Issue.likes_count), 0)
    stmt = (
        select(Issue.area_id, func.count(), likes)
        .where(*conditions(session, replace(filters, area_id=None)))
        .group_by(Issue.area_id)
    )
    return {int(a): (int(n), int(total)) for a, n, total in session.connection().execute(stmt).tuples()}


def priority_page(
    session: DbSession, filters: DashboardFilters, sort: str = "rank", page: int = 1, per_page: int = PER_PAGE
) -> PriorityPage:
    """One page of the filtered, sorted list, with the total for the pager.

    A page past the end shows the last page: a bulk change that empties the last page (every row
    closed) comes back to the list's new last page, not to an empty page saying nothing matches.
    """
    where = conditions(session, filters)
    total = _total(session, filters, where)
    page = min(page, max(1, math.ceil(total / per_page)))
    # Rank the issue ids first (index-only where possible), then join the names for one page.
    ranked_ids = ordered(select(Issue.id).where(*where), sort).limit(per_page).offset((page - 1) * per_page)
    page_ids = list(session.connection().scalars(ranked_ids))
    if not page_ids:
        return PriorityPage([], total, page, per_page)
    stmt = (
        select(
            Issue.id,
            Issue.title,
            Category.name,
            Issue.status,
            Status.name,
            Status.type,
            Area.name,
            Issue.likes_count,
            Issue.created_at,
            Issue.last_activity_at,
        )
        .join(Category, Category.code == Issue.category_code)
        .join(Status, Status.code == Issue.status)
        .join(Area, Area.id == Issue.area_id)
        .where(Issue.id.in_(page_ids))
    )
    by_id = {r[0]: PriorityRow(*r) for r in session.execute(stmt).tuples()}
    return PriorityPage([by_id[i] for i in page_ids if i in by_id], total, page, per_page)
