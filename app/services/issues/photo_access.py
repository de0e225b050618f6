"""Who may see a photo: the public sees it only while the photo, its issue and its update are all public."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select

from app.database.sessions import DbSession
from app.models import Issue, IssueEvent, Photo
from app.services.issues.photo_store import PHOTO_NAME


@dataclass(frozen=True)
class ViewablePhoto:
    filename: str
    content_type: str
    created_at: datetime
    public: bool  # False: only staff may see it (hidden photo, hidden issue, hidden or staff-only update)


def photo_is_public() -> ColumnElement[bool]:
    """SQL condition on Photo: not hidden, its issue not hidden, and its update (if any) public and shown."""
    issue_shown = select(Issue.id).where(Issue.id == Photo.issue_id, Issue.is_hidden.is_(False)).exists()
    update_shown = (
        select(IssueEvent.id)
        .where(
            IssueEvent.id == Photo.event_id,
            IssueEvent.is_public.is_(True),
            IssueEvent.is_hidden.is_(False),
        )
        .exists()
    )
    return and_(Photo.is_hidden.is_(False), issue_shown, or_(Photo.event_id.is_(None), update_shown))


def viewable_photo(
    session: DbSession, filename: str, *, staff: bool, viewer_id: int | None = None
) -> ViewablePhoto | None:
    """The photo stored under `filename` if this viewer may see it; None means "no such photo" to them.

    Staff (officials and admins) see every photo, so they can judge what a moderator hid. A reporter
    sees the photos of their own report while it waits for their address to be confirmed (its page
    shows them to them alone); such a photo is not public."""
    if not PHOTO_NAME.fullmatch(filename):
        return None  # no photo is named so; the database is not asked (PostgreSQL refuses a NUL byte)
    row = session.execute(
        select(Photo.filename, Photo.content_type, Photo.created_at, photo_is_public()).where(
            Photo.filename == filename
        )
    ).first()
    if row is None:
        return None
    public = bool(row[3])
    if not public and not staff and not _held_for(session, filename, viewer_id):
        return None
    return ViewablePhoto(row[0], row[1], row[2], public)


def _held_for(session: DbSession, filename: str, viewer_id: int | None) -> bool:
    """Is `filename` a shown photo of a report by `viewer_id` still waiting for their confirmation?"""
    if viewer_id is None:
        return False
    held = (
        select(Photo.id)
        .join(Issue, Issue.id == Photo.issue_id)
        .where(
            Photo.filename == filename,
            Photo.is_hidden.is_(False),
            Photo.event_id.is_(None),
            Issue.reporter_id == viewer_id,
            Issue.awaiting_confirmation.is_(True),
        )
    )
    return session.execute(held.exists().select()).scalar() is True
