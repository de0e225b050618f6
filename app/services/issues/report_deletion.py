"""A report its reporter takes back before anyone else relied on it: a held report they did not make
(held_reports) or one nobody took up (own_reports).

Its words, place, photos, likes and follows go; the row stays, hidden, emptied, tied to nobody and
marked `withdrawn_at`, so its id is never given to another report (found from outside: on SQLite a
deleted report's id went to the next one, so the audit entry, the followers' mail and any harvester's
link to it led to someone else's problem). Moderators cannot show it again.
"""

from __future__ import annotations

from sqlalchemy import Select, delete, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Follow, Issue, Like, Photo, User
from app.models.timestamps import utcnow
from app.services.kernel.audit import record
from app.services.kernel.errors import NotFound

WITHDRAWN_TITLE = "Withdrawn by its reporter"


def withdrawn_ids() -> Select[tuple[int]]:
    """The ids of the retired reports, for lists that leave them out: a flag or a follow that raced a
    withdrawal may still name one (found from outside: the moderators' queue listed such a flag)."""
    return select(Issue.id).where(Issue.withdrawn_at.is_not(None))


def lock_report(session: DbSession, issue_id: int) -> Issue:
    """Take the report's row lock (a write first: SQLite's lock, PostgreSQL's row lock) and read it
    afresh, so what is checked next cannot change before the report is retired (found from outside: a
    like that raced a withdrawal was taken and then lost)."""
    execute_write(
        session,
        update(Issue)
        .where(Issue.id == issue_id)
        .values(id=Issue.id)
        .execution_options(synchronize_session=False),
    )
    issue = session.scalars(
        select(Issue).where(Issue.id == issue_id).execution_options(populate_existing=True)
    ).first()
    if issue is None:
        raise NotFound("There is no such report of yours.", "issue_id")
    return issue


def retire_report(session: DbSession, reporter: User, issue: Issue, action: str) -> list[str]:
    """Empty the report and hide it for good (see the module), audit `action`. Returns its photos' file
    names, for the caller to remove from the photo store once this is committed (a rolled-back one
    keeps them)."""
    files = list(session.scalars(select(Photo.filename).where(Photo.issue_id == issue.id)))
    session.execute(delete(Photo).where(Photo.issue_id == issue.id))
    session.execute(delete(Follow).where(Follow.issue_id == issue.id))
    session.execute(delete(Like).where(Like.issue_id == issue.id))
    issue.title, issue.description, issue.place = WITHDRAWN_TITLE, "", None
    issue.is_hidden, issue.awaiting_confirmation, issue.hide_name = True, False, True
    issue.reporter_id, issue.withdrawn_at = None, utcnow()
    record(session, reporter, action, "issue", issue.id)
    session.flush()
    return files
