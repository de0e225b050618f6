"""What the public reads as a problem's title where a page names it without opening it (money, rounds):
its title, or, once moderators hid it, words that say so and repeat nothing of what was hidden."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, case, select

from app.database.sessions import DbSession
from app.models import Issue

HIDDEN_TITLE = "A problem hidden by the moderators"


def public_title() -> ColumnElement[str]:
    """Issue.title, or HIDDEN_TITLE for a hidden issue (select it in place of Issue.title)."""
    return case((Issue.is_hidden.is_(True), HIDDEN_TITLE), else_=Issue.title)


def public_titles(session: DbSession, issue_ids: Collection[int]) -> dict[int, str]:
    """The public title of each of these problems, by id."""
    if not issue_ids:
        return {}
    found = session.execute(select(Issue.id, public_title()).where(Issue.id.in_(issue_ids))).tuples()
    return dict(found.all())
