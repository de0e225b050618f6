"""Reading an issue's timeline: public events for everyone, staff-only and hidden entries for staff."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, select
from sqlalchemy.orm import aliased

from app.database.sessions import DbSession
from app.models import Issue, IssueEvent, Photo, Status, User
from app.services.issues.places import status_words

# What the public reads for the reporter's own updates on a report that hides their name.
THE_REPORTER = "The reporter"


@dataclass(frozen=True)
class TimelinePhoto:
    id: int
    filename: str
    width: int
    height: int
    is_hidden: bool


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    kind: str
    actor_name: str | None
    by_staff: bool
    from_status: str | None
    from_status_name: str | None
    to_status: str | None
    to_status_name: str | None
    note: str
    created_at: datetime
    is_public: bool
    is_hidden: bool
    related_issue_id: int | None
    photos: tuple[TimelinePhoto, ...] = ()


def public_actor_name() -> ColumnElement[str | None]:
    """An event's actor as the public reads it (the query joins Issue and User): their display name,
    or THE_REPORTER for the reporter of a report that hides their name, so their own updates do not
    name them either."""
    hidden = and_(Issue.hide_name.is_(True), IssueEvent.actor_id == Issue.reporter_id)
    return case((hidden, THE_REPORTER), else_=User.display_name)


def timeline(session: DbSession, issue_id: int, staff: bool = False) -> list[TimelineEntry]:
    """Oldest first. The public never sees staff-only events, hidden updates or hidden photos."""
    before, after = aliased(Status), aliased(Status)
    stmt = (
        select(
            IssueEvent.id,
            IssueEvent.kind,
            User.display_name if staff else public_actor_name(),
            IssueEvent.by_staff,
            IssueEvent.from_status,
            before.name,
            IssueEvent.to_status,
            after.name,
            IssueEvent.note,
            IssueEvent.created_at,
            IssueEvent.is_public,
            IssueEvent.is_hidden,
            IssueEvent.related_issue_id,
        )
        .join(Issue, Issue.id == IssueEvent.issue_id)
        .outerjoin(User, User.id == IssueEvent.actor_id)
        .outerjoin(before, before.code == IssueEvent.from_status)
        .outerjoin(after, after.code == IssueEvent.to_status)
        .where(IssueEvent.issue_id == issue_id)
        .order_by(IssueEvent.created_at, IssueEvent.id)
    )
    if not staff:
        stmt = stmt.where(IssueEvent.is_public.is_(True), IssueEvent.is_hidden.is_(False))
    rows = session.execute(stmt).tuples().all()
    photos: dict[int | None, list[TimelinePhoto]] = {}
    if rows:
        photo_stmt = (
            select(Photo.event_id, Photo.id, Photo.filename, Photo.width, Photo.height, Photo.is_hidden)
            .where(Photo.event_id.in_([r[0] for r in rows]))
            .order_by(Photo.id)
        )
        if not staff:
            photo_stmt = photo_stmt.where(Photo.is_hidden.is_(False))
        for event_id, photo_id, filename, width, height, hidden in session.execute(photo_stmt).tuples():
            photos.setdefault(event_id, []).append(TimelinePhoto(photo_id, filename, width, height, hidden))
    entries = [TimelineEntry(*row, photos=tuple(photos.get(row[0], ()))) for row in rows]  # type: ignore[misc]  # a 13-column row is typed as an open tuple, which could fill photos too
    return [_named(entry) for entry in entries]


def _named(entry: TimelineEntry) -> TimelineEntry:
    """A status deleted since has no name left: its code in words (places.status_words)."""
    if entry.from_status and entry.from_status_name is None:
        entry = replace(entry, from_status_name=status_words({}, entry.from_status))
    if entry.to_status and entry.to_status_name is None:
        entry = replace(entry, to_status_name=status_words({}, entry.to_status))
    return entry
