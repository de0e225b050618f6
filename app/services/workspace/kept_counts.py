"""Visible issues counted per area, category and status from issue_counts (kept by database triggers), and
the median time to fix read by position from the fix-time indexes.

The dashboard's counts and medians at city scale: a few hundred kept rows instead of every issue, and two
rows per group read off ix_issues_area_fix / ix_issues_category_fix instead of every fixed issue.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.database.sessions import DbSession
from app.models import Issue, IssueCount


def _kept_scope(codes: Sequence[str], area_id: int | None, category: str | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [IssueCount.status.in_(list(codes))]
    if area_id is not None:
        where.append(IssueCount.area_id == area_id)
    if category:
        where.append(IssueCount.category_code == category)
    return where


def visible_issues(
    session: DbSession, codes: Sequence[str], area_id: int | None = None, category: str | None = None
) -> int:
    """How many visible issues have one of the status `codes` (in the area and category, if given)."""
    if not codes:
        return 0
    stmt = select(func.coalesce(func.sum(IssueCount.issues), 0)).where(*_kept_scope(codes, area_id, category))
    return int(session.connection().scalar(stmt) or 0)


def per_area(
    session: DbSession, codes: Sequence[str], category: str | None = None
) -> dict[int, tuple[int, int]]:
    """Per area id: (visible issues with one of the status `codes`, their likes); areas without any are
    absent."""
    if not codes:
        return {}
    issues = func.sum(IssueCount.issues)
    stmt = (
        select(IssueCount.area_id, issues, func.sum(IssueCount.likes))
        .where(*_kept_scope(codes, None, category))
        .group_by(IssueCount.area_id)
        .having(issues > 0)
    )
    return {int(a): (int(n), int(likes)) for a, n, likes in session.connection().execute(stmt).tuples()}


def timed_fixes(
    session: DbSession,
    fixed_codes: Sequence[str],
    by: InstrumentedAttribute[int] | InstrumentedAttribute[str],
    area_id: int | None = None,
    category: str | None = None,
) -> dict[object, int]:
    """Per value of `by` (IssueCount.area_id or .category_code): visible fixed issues with a time to fix."""
    if not fixed_codes:
        return {}
    stmt = (
        select(by, func.sum(IssueCount.timed_fixes))
        .where(*_kept_scope(fixed_codes, area_id, category))
        .group_by(by)
    )
    return {key: int(n) for key, n in session.connection().execute(stmt).tuples() if n}


def median_days_to_fix(
    session: DbSession, fixed_codes: Sequence[str], count: int, where: Sequence[ColumnElement[bool]]
) -> float | None:
    """The median days from report to fix (negative spans counted as 0) of the `count` visible fixed
    issues that `where` selects, as statistics.median gives it; None when there are none.

    The middle one or two rows are read by position in days_to_fix order. With one fixed status (the usual
    configuration) that order is an index's (status, is_hidden, area or category, days_to_fix).
    """
    if count <= 0 or not fixed_codes:
        return None
    status = Issue.status == fixed_codes[0] if len(fixed_codes) == 1 else Issue.status.in_(list(fixed_codes))
    stmt = (
        select(Issue.days_to_fix)
        .where(status, Issue.is_hidden == false(), *where, Issue.days_to_fix.is_not(None))
        .order_by(Issue.days_to_fix)
        .offset((count - 1) // 2)
        .limit(1 if count % 2 else 2)
    )
    middle = [max(0.0, float(d)) for d in session.connection().scalars(stmt) if d is not None]
    if not middle:
        return None
    return sum(middle) / len(middle)
