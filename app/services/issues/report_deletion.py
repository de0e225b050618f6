"""Deleting a report its reporter takes back before anyone else relied on it: a held report they did not
make (held_reports) or one nobody took up (own_reports)."""

from __future__ import annotations

from sqlalchemy import delete, select

from app.database.sessions import DbSession
from app.models import Issue, Photo, User
from app.services.kernel.audit import record


def delete_report(session: DbSession, reporter: User, issue: Issue, action: str) -> list[str]:
    """Delete the report (its photos, likes, follows and events go with it) and audit `action` with its
    title. Returns its photos' file names, for the caller to remove from the photo store once the
    deletion is committed (a rolled-back deletion keeps them)."""
    files = list(session.scalars(select(Photo.filename).where(Photo.issue_id == issue.id)))
    issue_id, title = issue.id, issue.title
    session.execute(delete(Issue).where(Issue.id == issue_id))
    record(session, reporter, action, "issue", issue_id, title=title)
    session.flush()
    return files
