"""Public updates on an issue: text (1 to 2,000 characters) and an optional photo, by residents or staff."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Issue, IssueEvent, Photo, User
from app.models.timestamps import utcnow
from app.models.workflow import EventKind
from app.services.issues.events import on_issue_event
from app.services.issues.notifications import notify_issue_event
from app.services.issues.photos import process_photo, store_photo
from app.services.issues.reports import PhotoSettings
from app.services.kernel.errors import NotFound, PermissionDenied
from app.services.kernel.roles import require_confirmed
from app.services.kernel.text import clean_text

TEXT_MAX = 2000
# The same words posted again by the same author on the same problem within this time are one update.
REPOST_WINDOW = timedelta(minutes=10)


def clean_update_text(raw: object) -> str:
    return clean_text(raw, "text", "Update text", TEXT_MAX)


def _same_update_just_posted(session: DbSession, author: User, issue_id: int, text: str) -> IssueEvent | None:
    """The author's update of the same words on the same problem within the last REPOST_WINDOW, which a
    second post repeats: the form sent again (Back, then Post) shows it once (found from outside: it was
    on the timeline twice)."""
    return session.scalar(
        select(IssueEvent)
        .where(
            IssueEvent.issue_id == issue_id,
            IssueEvent.actor_id == author.id,
            IssueEvent.kind == EventKind.UPDATE.value,
            IssueEvent.note == text,
            IssueEvent.is_hidden.is_(False),  # a hidden one is not "posted": the new post stands
            IssueEvent.created_at >= utcnow() - REPOST_WINDOW,
        )
        .order_by(IssueEvent.id.desc())
        .limit(1)
    )


def post_update(
    session: DbSession,
    author: User,
    issue_id: int,
    text: object,
    photo: bytes | None = None,
    photo_settings: PhotoSettings | None = None,
) -> IssueEvent:
    """A public update on the timeline; staff updates carry the "City staff" badge. The same words sent
    again within REPOST_WINDOW return the update already posted."""
    if author.is_blocked:
        raise PermissionDenied("This account is blocked and cannot post updates.")
    if not author.is_staff:
        require_confirmed(author)  # an update is public at once: only from a reachable person
    clean = clean_update_text(text)
    hidden = session.scalar(select(Issue.is_hidden).where(Issue.id == issue_id))
    if hidden is None or (hidden and not author.is_staff):
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    # A photo makes it a new update (found in the recheck: the same words with a photo returned the
    # first, photo-less one).
    again = None if photo is not None else _same_update_just_posted(session, author, issue_id, clean)
    if again is not None:
        return again
    processed = None
    if photo is not None:
        if photo_settings is None:
            raise ValueError("photo_settings are required with a photo")
        processed = process_photo(photo, photo_settings.max_bytes, photo_settings.max_side)
    event = IssueEvent(
        issue_id=issue_id,
        actor_id=author.id,
        kind=EventKind.UPDATE.value,
        note=clean,
        by_staff=author.is_staff,
        created_at=utcnow(),
    )
    session.add(event)
    session.flush()
    if processed is not None and photo_settings is not None:
        session.add(
            Photo(
                issue_id=issue_id,
                event_id=event.id,
                filename=store_photo(processed, photo_settings.store),
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
            )
        )
    on_issue_event(session, event)
    if event.by_staff:  # the city's own words reach the problem's followers, the reporter among them
        notify_issue_event(session, event, city_update=True)
    session.flush()
    return event
