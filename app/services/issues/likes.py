"""Likes: one per (resident, issue), revocable, idempotent and safe under concurrent requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Delete,
    Insert,
    Integer,
    bindparam,
    delete,
    exists,
    or_,
    select,
)

from app.database.driver import DriverStatement, statement_transaction
from app.database.sessions import DbSession
from app.database.spellings import insert_from_select_ignoring_duplicates
from app.models import Issue, Like
from app.models.account import Actor
from app.models.timestamps import utcnow
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied
from app.services.kernel.roles import require_confirmed


@dataclass(frozen=True)
class LikeState:
    likes: int
    liked: bool


# Statements built once and run on the driver: building them, or SQLAlchemy's execution machinery, cost
# more than running them. Issue.likes_count follows the likes table by database triggers, so a like is
# one write statement and a count read before the view commits.
# Hidden issues do not exist for the public (moderation.can_see_issue): `staff` is the actor's is_staff.
_COUNT = DriverStatement(
    lambda _session: select(
        Issue.likes_count, Issue.is_hidden, Issue.withdrawn_at.is_not(None), Issue.duplicate_of_id
    ).where(Issue.id == bindparam("issue_id"))
)


def _seen(issue_id: ColumnElement[int]) -> ColumnElement[bool]:
    """The issue exists for the actor: it is not hidden, or the actor is staff (and it was not withdrawn
    by its reporter: found from outside, staff could like the emptied row); and it may be liked: not a
    duplicate closed into another, whose likes moved there (found from outside: likes of a merged
    duplicate stayed behind, counted nowhere)."""
    return exists().where(
        Issue.id == issue_id,
        Issue.withdrawn_at.is_(None),
        Issue.duplicate_of_id.is_(None),
        or_(Issue.is_hidden.is_(False), bindparam("staff", type_=Boolean).is_(True)),
    )


def _build_remove(_session: DbSession) -> Delete:
    """DELETE the actor's own like, hidden issue or not: a like is the resident's to take back (in a
    likes round it is their vote, and moderators may hide a candidate while voting runs)."""
    return delete(Like).where(Like.user_id == bindparam("user_id"), Like.issue_id == bindparam("issue_id"))


_REMOVE = DriverStatement(_build_remove)


def _build_insert(session: DbSession) -> Insert:
    """INSERT a like for an issue that exists for the actor, skipping one that is already there (one
    statement)."""
    issue_id = bindparam("issue_id", type_=Integer)
    row = select(bindparam("user_id", type_=Integer), issue_id, bindparam("created_at", type_=DateTime))
    row = row.where(_seen(issue_id))
    return insert_from_select_ignoring_duplicates(session, Like, ["user_id", "issue_id", "created_at"], row)


_INSERT = DriverStatement(_build_insert)


def _check_can_like(actor: Actor) -> None:
    if actor.is_blocked:
        raise PermissionDenied("This account is blocked and cannot like issues.")
    require_confirmed(actor)


def like(session: DbSession, actor: Actor, issue_id: int) -> LikeState:
    """Add the resident's like; liking twice changes nothing (the unique key settles races). A missing
    issue gets nothing inserted and a 404 naming `issue_id`. On SQLite a like that is the request's first
    write commits as it runs (database.driver.statement_transaction); otherwise the view's commit ends it."""
    _check_can_like(actor)
    with statement_transaction(session):
        _INSERT.execute(
            session,
            {"user_id": actor.id, "issue_id": issue_id, "created_at": utcnow(), "staff": actor.is_staff},
        )
    return LikeState(_count(session, actor, issue_id, liking=True), True)


def unlike(session: DbSession, actor: Actor, issue_id: int) -> LikeState:
    """Withdraw the resident's like; withdrawing a like that is not there changes nothing. A hidden
    issue is a 404 for all but staff (as a missing one, like() the same), unless the resident had liked
    it: their own like they may always take back, and the answer tells them nothing they did not know."""
    _check_can_like(actor)
    with statement_transaction(session):
        removed = _REMOVE.execute(session, {"user_id": actor.id, "issue_id": issue_id})
    return LikeState(_count(session, actor, issue_id, knew_it=removed > 0), False)


def _count(
    session: DbSession, actor: Actor, issue_id: int, *, knew_it: bool = False, liking: bool = False
) -> int:
    """The count the trigger left, read right after the write: in its transaction, or on SQLite just
    after a like that committed as it ran. On PostgreSQL, read after the view's commit it took a second
    transaction, which cost more than the count (docs/benchmarks.md). A hidden issue is a 404 unless
    the actor is staff or `knew_it` (they had liked it); `liking` a duplicate is a 409 naming its
    original. A report its reporter withdrew is a 404 for
    everyone: staff's like of it had answered "liked" with nothing stored, or on PostgreSQL, racing the
    withdrawal, stored on the emptied row (this read comes after the trigger's update, which waits for
    the withdrawal's lock)."""
    row = _COUNT.first(session, {"issue_id": issue_id})
    if row is None or row[2] or (row[1] and not actor.is_staff and not knew_it):
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    if liking and row[3] is not None:
        # On PostgreSQL a like racing the merge is caught here, after the trigger's update waited for it.
        raise Conflict(
            f"Problem #{issue_id} is closed as a duplicate of problem #{row[3]}: like that one instead.",
            "issue_id",
        )
    return int(row[0])


def liked_issue_ids(session: DbSession, user_id: int, issue_ids: list[int]) -> set[int]:
    if not issue_ids:
        return set()
    return set(
        session.scalars(select(Like.issue_id).where(Like.user_id == user_id, Like.issue_id.in_(issue_ids)))
    )
