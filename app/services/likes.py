"""Likes: one per (resident, issue), revocable, idempotent and safe under concurrent requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DateTime, Insert, Integer, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from app.dialects import CompiledOnce, insert_from_select_ignoring_duplicates
from app.models import Issue, Like, User
from app.models.timestamps import utcnow
from app.services.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class LikeState:
    likes: int
    liked: bool


# Statements built once and reused with new values: building them cost more than running them.
_COUNT = select(Issue.likes_count).where(Issue.id == bindparam("issue_id"))
_ADD = (
    update(Issue)
    .where(Issue.id == bindparam("issue_id"))
    .values(likes_count=Issue.likes_count + 1)
    .returning(Issue.likes_count)
)
_TAKE = (
    update(Issue)
    .where(Issue.id == bindparam("issue_id"))
    .values(likes_count=Issue.likes_count - 1)
    .returning(Issue.likes_count)
)
_REMOVE = delete(Like).where(Like.user_id == bindparam("user_id"), Like.issue_id == bindparam("issue_id"))


def _build_insert(session: Session) -> Insert:
    """INSERT a like for an issue that exists, skipping one that is already there (one statement)."""
    issue_id = bindparam("issue_id", type_=Integer)
    row = select(bindparam("user_id", type_=Integer), issue_id, bindparam("created_at", type_=DateTime))
    row = row.where(exists().where(Issue.id == issue_id))
    return insert_from_select_ignoring_duplicates(session, Like, ["user_id", "issue_id", "created_at"], row)


_INSERT = CompiledOnce(_build_insert)


def _current(session: Session, issue_id: int) -> int:
    """The issue's like count; a missing issue is a 404 naming `issue_id`."""
    count = session.connection().execute(_COUNT, {"issue_id": issue_id}).scalar()
    if count is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    return int(count)


def like(session: Session, user: User, issue_id: int) -> LikeState:
    """Add the resident's like; liking twice changes nothing. The unique key settles races."""
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot like issues.")
    connection = session.connection()
    # The write comes first, so SQLite takes its write lock at once (no read-to-write upgrade), and
    # it checks that the issue exists in the same statement.
    values = {"user_id": user.id, "issue_id": issue_id, "created_at": utcnow()}
    if _INSERT.execute(session, values).rowcount:
        # RETURNING: the new count without another query while SQLite's write lock is held.
        return LikeState(int(connection.execute(_ADD, {"issue_id": issue_id}).scalar_one()), True)
    return LikeState(_current(session, issue_id), True)  # liked before, or no such issue


def unlike(session: Session, user: User, issue_id: int) -> LikeState:
    """Withdraw the resident's like; withdrawing a like that is not there changes nothing."""
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot like issues.")
    connection = session.connection()
    if connection.execute(_REMOVE, {"user_id": user.id, "issue_id": issue_id}).rowcount:
        return LikeState(int(connection.execute(_TAKE, {"issue_id": issue_id}).scalar_one()), False)
    return LikeState(_current(session, issue_id), False)  # not liked, or no such issue


def liked_issue_ids(session: Session, user_id: int, issue_ids: list[int]) -> set[int]:
    if not issue_ids:
        return set()
    return set(
        session.scalars(select(Like.issue_id).where(Like.user_id == user_id, Like.issue_id.in_(issue_ids)))
    )
