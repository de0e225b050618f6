"""Row locks that serialise money movements of one issue without firing the issues table's triggers."""

from __future__ import annotations

from sqlalchemy import select, update

from app.database.sessions import DbSession, execute_write
from app.models.issue import Issue


def lock_issue_row(session: DbSession, issue_id: int) -> bool:
    """Hold the issue's row until this transaction ends; False if there is no such issue.

    PostgreSQL: SELECT ... FOR UPDATE (an UPDATE, even a no-op one, would fire the statement-level
    issue_counts trigger). SQLite: a no-op write of updated_at takes the database's writer lock up
    front (no read-then-upgrade); no trigger watches that column.
    """
    if session.get_bind().dialect.name == "postgresql":
        found = session.scalar(select(Issue.id).where(Issue.id == issue_id).with_for_update())
        return found is not None
    written = execute_write(
        session, update(Issue).where(Issue.id == issue_id).values(updated_at=Issue.updated_at)
    )
    return bool(written.rowcount)
