"""The moderators' queue of flagged items, a page at a time: most flagged first, then longest waiting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select, tuple_

from app.database.sessions import DbSession
from app.models import Flag, Issue, IssueEvent, Photo
from app.models.moderation import FlagStatus
from app.services.issues.report_deletion import withdrawn_ids
from app.services.kernel.audit import Page

PER_PAGE = 100


@dataclass
class FlaggedItem:
    """One flagged item in the moderators' queue: how many residents flagged it, and why."""

    target_type: str
    target_id: int
    issue_id: int
    issue_title: str
    count: int
    latest: datetime
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # What was flagged, so the moderator judges it here: the report's description or the update's
    # text (found from outside: the queue showed neither, nor the photo), or the photo's file name.
    text: str = ""
    photo_filename: str | None = None


def flag_queue(session: DbSession, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the items with open flags (`Page.items` are FlaggedItems), with how many there are.

    Items are counted and ordered in the database; only the page's flags are read for their reasons
    and notes, so a long queue costs the same three statements as a short one.
    """
    # A flag that raced its report's withdrawal waits on nothing to moderate (found from outside).
    is_open = and_(Flag.status == FlagStatus.OPEN.value, Flag.issue_id.not_in(withdrawn_ids()))
    count, latest = func.count(Flag.id), func.max(Flag.created_at)
    items = (
        select(Flag.target_type, Flag.target_id, Flag.issue_id, count.label("count"), latest.label("latest"))
        .where(is_open)
        .group_by(Flag.target_type, Flag.target_id, Flag.issue_id)
        .subquery()
    )
    total = int(session.scalar(select(func.count()).select_from(items)) or 0)
    rows = session.execute(
        select(items, Issue.title)
        .join(Issue, Issue.id == items.c.issue_id)
        .order_by(items.c.count.desc(), items.c.latest, items.c.target_type, items.c.target_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).tuples()
    listed = {
        (kind, target): FlaggedItem(kind, target, issue_id, title, int(n), when)
        for kind, target, issue_id, n, when, title in rows
    }
    if listed:
        for kind, target, reason, note in session.execute(
            select(Flag.target_type, Flag.target_id, Flag.reason, Flag.note)
            .where(is_open, tuple_(Flag.target_type, Flag.target_id).in_(list(listed)))
            .order_by(Flag.id)
        ).tuples():
            item = listed[(kind, target)]
            item.reasons[reason] = item.reasons.get(reason, 0) + 1
            if note:
                item.notes.append(note)
        _read_content(session, listed)
    return Page(list(listed.values()), page, per_page, total)


def _read_content(session: DbSession, listed: dict[tuple[str, int], FlaggedItem]) -> None:
    """Each listed item's flagged content: one read per kind of item."""
    ids = {kind: [t for k, t in listed if k == kind] for kind in ("issue", "update", "photo")}
    if ids["issue"]:
        for issue_id, text in session.execute(
            select(Issue.id, Issue.description).where(Issue.id.in_(ids["issue"]))
        ).tuples():
            listed["issue", issue_id].text = text or ""
    if ids["update"]:
        for event_id, note in session.execute(
            select(IssueEvent.id, IssueEvent.note).where(IssueEvent.id.in_(ids["update"]))
        ).tuples():
            listed["update", event_id].text = note or ""
    if ids["photo"]:
        for photo_id, filename in session.execute(
            select(Photo.id, Photo.filename).where(Photo.id.in_(ids["photo"]))
        ).tuples():
            listed["photo", photo_id].photo_filename = filename
