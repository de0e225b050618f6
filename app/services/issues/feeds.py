"""Rows for the public Atom feeds: the newest visible issues, and one issue's public timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from app.database.sessions import DbSession
from app.models import Area, Category, Issue, IssueEvent, Status, User
from app.services.issues.timeline import public_actor_name
from app.services.kernel.errors import NotFound

FEED_SIZE = 50


@dataclass(frozen=True)
class FeedIssue:
    id: int
    title: str
    description: str
    category_name: str
    area_name: str
    status_name: str
    reporter: str | None  # None when the reporter hid their name
    created_at: datetime
    changed_at: datetime  # the last change of what its entry shows: its status or its words
    words_changed_at: datetime  # the last change of its words (the reporter's or staff's), else created_at


@dataclass(frozen=True)
class FeedEvent:
    id: int
    kind: str
    from_status: str | None
    to_status: str | None
    note: str
    by_staff: bool
    actor: str | None
    created_at: datetime


def _last_status_change() -> Any:
    """When the issue's status last changed (a correlated subquery; the report's own time when it never
    did). With `Issue.edited_at`, its words' last change, it makes a feed entry's <updated>: staff-only
    acts, hiding an update or a photo, do not count (found from outside: they moved public times)."""
    changed = (
        select(func.max(IssueEvent.created_at))
        .where(IssueEvent.issue_id == Issue.id, IssueEvent.to_status.is_not(None))
        .scalar_subquery()
    )
    return func.coalesce(changed, Issue.created_at)


def _issue_select() -> Select[tuple[Any, ...]]:
    reporter = aliased(User)
    return (
        select(
            Issue.id,
            Issue.title,
            Issue.description,
            Category.name,
            Area.name,
            Status.name,
            reporter.display_name,
            Issue.hide_name,
            Issue.created_at,
            _last_status_change(),
            Issue.edited_at,
        )
        .join(Category, Category.code == Issue.category_code)
        .join(Area, Area.id == Issue.area_id)
        .join(Status, Status.code == Issue.status)
        .outerjoin(reporter, reporter.id == Issue.reporter_id)
        .where(Issue.is_hidden.is_(False))
    )


def _issues(session: DbSession, stmt: Select[tuple[Any, ...]]) -> list[FeedIssue]:
    return [
        FeedIssue(
            i,
            t,
            d,
            c,
            a,
            s,
            None if hide else name,
            created,
            max(created, changed, edited or created),
            edited or created,
        )
        for i, t, d, c, a, s, name, hide, created, changed, edited in session.execute(stmt).tuples()
    ]


def newest_issues(session: DbSession, area_id: int | None = None, limit: int = FEED_SIZE) -> list[FeedIssue]:
    """The newest visible issues, city-wide or in one area."""
    stmt = _issue_select().order_by(Issue.created_at.desc(), Issue.id.desc()).limit(limit)
    if area_id is not None:
        stmt = stmt.where(Issue.area_id == area_id)
    return _issues(session, stmt)


def area_name(session: DbSession, area_id: int) -> str:
    name = session.scalar(select(Area.name).where(Area.id == area_id))
    if name is None:
        raise NotFound(f"There is no area {area_id}.", "area_id")
    return name


def visible_issue(session: DbSession, issue_id: int) -> FeedIssue:
    """One issue for its feed; a hidden issue is as absent as a missing one."""
    rows = _issues(session, _issue_select().where(Issue.id == issue_id))
    if not rows:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    return rows[0]


def public_events(session: DbSession, issue_id: int, limit: int = FEED_SIZE) -> list[FeedEvent]:
    """The issue's public, not hidden timeline entries, newest first."""
    stmt = (
        select(
            IssueEvent.id,
            IssueEvent.kind,
            IssueEvent.from_status,
            IssueEvent.to_status,
            IssueEvent.note,
            IssueEvent.by_staff,
            public_actor_name(),
            IssueEvent.created_at,
        )
        .join(Issue, Issue.id == IssueEvent.issue_id)
        .outerjoin(User, User.id == IssueEvent.actor_id)
        .where(
            IssueEvent.issue_id == issue_id,
            IssueEvent.is_public.is_(True),
            IssueEvent.is_hidden.is_(False),
        )
        .order_by(IssueEvent.created_at.desc(), IssueEvent.id.desc())
        .limit(limit)
    )
    return [FeedEvent(*row) for row in session.execute(stmt).tuples()]


def status_names(session: DbSession) -> dict[str, str]:
    return dict(session.execute(select(Status.code, Status.name)).tuples().all())
