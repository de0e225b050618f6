"""Numbers behind the officials' workspace: per-area summary, weekly new vs fixed, time to fix, heat cells.

Every query groups in the database or selects one or two plain columns. Counts per area, category and
status come from issue_counts (unless a date or likes filter needs the issues counted, as the list does),
and medians are read by position (app/services/workspace/kept_counts.py), so the unfiltered summary does
not grow with the number of issues.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Connection, SQLColumnExpression, case, false, func, select

from app.database.sessions import DbSession
from app.database.spellings import floor_of
from app.models import Area, Category, Issue, IssueCount, Status
from app.models.place import StatusType
from app.services.workspace import dashboard, kept_counts
from app.services.workspace.dashboard import DashboardFilters

WEEKS = 26
FIXED_WINDOW_DAYS = 30
HEAT_CELLS_PER_DEGREE = 1000  # ~110 m north-south cells


@dataclass(frozen=True)
class AreaSummary:
    area_id: int
    name: str
    matching: int  # the issues the dashboard's filters select in this area
    fixed_recently: int  # fixed in the last FIXED_WINDOW_DAYS days
    median_days_to_fix: float | None
    matching_likes: int


@dataclass(frozen=True)
class Weekly:
    weeks: list[date]  # Mondays, oldest first
    new: list[int]
    fixed: list[int]


def core(session: DbSession) -> Connection:
    """The session's connection: Core results skip the ORM's per-row work, which dominates on many rows."""
    return session.connection()


def codes_of_type(session: DbSession, kind: StatusType) -> list[str]:
    return list(session.scalars(select(Status.code).where(Status.type == kind.value)))


def _scope(area_id: int | None, category: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Issue.is_hidden == false()]
    if area_id is not None:
        where.append(Issue.area_id == area_id)
    if category:
        where.append(Issue.category_code == category)
    return where


def area_summary(
    session: DbSession, now: datetime, filters: DashboardFilters | None = None
) -> list[AreaSummary]:
    """Per area, with the dashboard's filters (the chosen area aside, so every area compares): the issues
    they select and their likes; fixed in the last 30 days and the median days to fix, of the issues they
    select whatever their status filter (fixes are what those columns count)."""
    filters = filters or DashboardFilters()
    matching = dashboard.per_area(session, filters)
    fixed_codes = codes_of_type(session, StatusType.FIXED)
    fixes = replace(filters, area_id=None, statuses=(StatusType.FIXED.value,))
    fixed_where = dashboard.conditions(session, fixes)
    # The last 30 days' fixes, counted here: grouped in SQL, SQLite's planner walked every fixed issue in
    # area order (ix_issues_workspace) instead of the date range of ix_issues_fixed_scope.
    recent = Counter(
        core(session).scalars(
            select(Issue.area_id).where(
                *fixed_where, Issue.fixed_at >= now - timedelta(days=FIXED_WINDOW_DAYS)
            )
        )
    )
    timed = _timed_fixes_by_area(session, fixes, fixed_codes, fixed_where)
    areas = session.execute(select(Area.id, Area.name).order_by(Area.name)).tuples()
    return [
        AreaSummary(
            area_id=area_id,
            name=name,
            matching=matching.get(area_id, (0, 0))[0],
            fixed_recently=int(recent.get(area_id, 0)),
            median_days_to_fix=_rounded(
                kept_counts.median_days_to_fix(
                    session, fixed_codes, timed.get(area_id, 0), [Issue.area_id == area_id, *fixed_where]
                )
            ),
            matching_likes=matching.get(area_id, (0, 0))[1],
        )
        for area_id, name in areas
    ]


def _timed_fixes_by_area(
    session: DbSession, fixes: DashboardFilters, fixed_codes: list[str], where: list[ColumnElement[bool]]
) -> dict[object, int]:
    """Per area id: the fixed issues `where` selects that have a time to fix (the medians' sizes)."""
    if not fixes.counts_issues:
        return kept_counts.timed_fixes(session, fixed_codes, IssueCount.area_id, None, fixes.category)
    stmt = (
        select(Issue.area_id, func.count())
        .where(*where, Issue.days_to_fix.is_not(None))
        .group_by(Issue.area_id)
    )
    return {area_id: int(n) for area_id, n in core(session).execute(stmt).tuples()}


def _rounded(days: float | None) -> float | None:
    return None if days is None else round(days, 1)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_of(column: SQLColumnExpression[datetime | None], mondays: list[date]) -> ColumnElement[int]:
    """The index of the week a timestamp falls in (comparisons only: no date parsing per row)."""
    starts = [datetime.combine(m, time.min) for m in mondays]
    return case(
        *[(column < start, i - 1) for i, start in enumerate(starts[1:], start=1)], else_=len(starts) - 1
    )


def weekly_new_vs_fixed(
    session: DbSession,
    today: date,
    area_id: int | None = None,
    category: str | None = None,
    weeks: int = WEEKS,
) -> Weekly:
    """Issues reported and issues fixed per week (Monday to Sunday), the last `weeks` weeks to today."""
    mondays = [monday_of(today) - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    start = datetime.combine(mondays[0], time.min)
    where = _scope(area_id, category)
    fixed_codes = codes_of_type(session, StatusType.FIXED)

    def per_week(column: SQLColumnExpression[datetime | None], *extra: ColumnElement[bool]) -> list[int]:
        week = week_of(column, mondays)
        rows = (
            core(session)
            .execute(select(week, func.count()).where(*where, *extra, column >= start).group_by(week))
            .tuples()
        )
        counts = [0] * len(mondays)
        for index, n in rows:
            counts[int(index)] += int(n)
        return counts

    return Weekly(
        weeks=mondays,
        new=per_week(Issue.created_at),
        fixed=per_week(Issue.fixed_at, Issue.status.in_(fixed_codes)),
    )


def median_fix_by_category(
    session: DbSession, area_id: int | None = None, category: str | None = None
) -> list[tuple[str, float | None]]:
    """(category name, median days from report to fix, or None when nothing was fixed), in category order."""
    fixed_codes = codes_of_type(session, StatusType.FIXED)
    timed = kept_counts.timed_fixes(session, fixed_codes, IssueCount.category_code, area_id, category)
    in_area = [] if area_id is None else [Issue.area_id == area_id]
    stmt = select(Category.code, Category.name).order_by(Category.position, Category.name)
    if category:
        stmt = stmt.where(Category.code == category)
    return [
        (
            name,
            _rounded(
                kept_counts.median_days_to_fix(
                    session, fixed_codes, timed.get(code, 0), [Issue.category_code == code, *in_area]
                )
            ),
        )
        for code, name in session.execute(stmt).tuples()
    ]


def open_by_area(session: DbSession, category: str | None = None) -> dict[int, int]:
    """Open issues per area id (areas without any are absent)."""
    counts = kept_counts.per_area(session, codes_of_type(session, StatusType.OPEN), category)
    return {area_id: n for area_id, (n, _likes) in counts.items()}


def heat_cells(
    session: DbSession, area_id: int | None = None, category: str | None = None
) -> list[tuple[float, float, int]]:
    """Open issues counted per ~100 m grid cell: (lat, lon of the cell centre, count)."""
    k = HEAT_CELLS_PER_DEGREE
    row = floor_of(session, Issue.lat * k)
    col = floor_of(session, Issue.lon * k)
    stmt = (
        select(row, col, func.count())
        .where(*_scope(area_id, category), Issue.status.in_(codes_of_type(session, StatusType.OPEN)))
        .group_by(row, col)
    )
    return [((r + 0.5) / k, (c + 0.5) / k, int(n)) for r, c, n in core(session).execute(stmt).tuples()]
