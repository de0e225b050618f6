"""Internal notes: what staff tell each other about a problem. Read only by staff, never published."""

from __future__ import annotations

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import InternalNote, Issue, User
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.errors import NotFound
from app.services.kernel.roles import require_staff
from app.services.kernel.text import NOTE_MAX, clean_text


def add_note(session: DbSession, actor: User, issue_id: int, raw_body: object) -> InternalNote:
    require_staff(actor)
    body = clean_text(raw_body, "body", "Internal note", NOTE_MAX)
    if session.scalar(select(Issue.id).where(Issue.id == issue_id, Issue.withdrawn_at.is_(None))) is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    note = InternalNote(issue_id=issue_id, author_id=actor.id, body=body, created_at=utcnow())
    session.add(note)
    session.flush()
    # The audit names the note, not its words: the log is read more widely than the issue's notes.
    audit.record(session, actor, "note.add", "issue", issue_id, note_id=note.id, characters=len(body))
    return note


def notes_for(session: DbSession, viewer: User, issue_id: int) -> list[InternalNote]:
    """The issue's internal notes, oldest first; only staff may read them."""
    require_staff(viewer)
    return list(
        session.scalars(
            select(InternalNote)
            .where(InternalNote.issue_id == issue_id)
            .order_by(InternalNote.created_at, InternalNote.id)
        )
    )
