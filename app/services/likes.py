"""Likes: one per (resident, issue), revocable, idempotent and safe under concurrent requests."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.dialects import insert_ignoring_duplicates
from app.models import Issue, Like, User
from app.services.errors import NotFound, PermissionDenied


@dataclass(frozen=True)
class LikeState:
    likes: int
    liked: bool


def _require_issue(session: Session, issue_id: int) -> None:
    if session.scalar(select(Issue.id).where(Issue.id == issue_id)) is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")


def _count(session: Session, issue_id: int) -> int:
    return int(session.scalar(select(Issue.likes_count).where(Issue.id == issue_id)) or 0)


def like(session: Session, user: User, issue_id: int) -> LikeState:
    """Add the resident's like; liking twice changes nothing. The unique key settles races."""
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot like issues.")
    _require_issue(session, issue_id)
    # The write comes first, so SQLite takes its write lock at once (no read-to-write upgrade).
    inserted = session.execute(
        insert_ignoring_duplicates(session, Like, user_id=user.id, issue_id=issue_id)
    ).rowcount
    if inserted:
        # RETURNING: the new count without another query while SQLite's write lock is held.
        added = update(Issue).where(Issue.id == issue_id).values(likes_count=Issue.likes_count + 1)
        return LikeState(int(session.execute(added.returning(Issue.likes_count)).scalar_one()), True)
    return LikeState(_count(session, issue_id), True)


def unlike(session: Session, user: User, issue_id: int) -> LikeState:
    """Withdraw the resident's like; withdrawing a like that is not there changes nothing."""
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot like issues.")
    _require_issue(session, issue_id)
    removed = session.execute(delete(Like).where(Like.user_id == user.id, Like.issue_id == issue_id)).rowcount
    if removed:
        taken = update(Issue).where(Issue.id == issue_id).values(likes_count=Issue.likes_count - 1)
        return LikeState(int(session.execute(taken.returning(Issue.likes_count)).scalar_one()), False)
    return LikeState(_count(session, issue_id), False)


def liked_issue_ids(session: Session, user_id: int, issue_ids: list[int]) -> set[int]:
    if not issue_ids:
        return set()
    return set(
        session.scalars(select(Like.issue_id).where(Like.user_id == user_id, Like.issue_id.in_(issue_ids)))
    )
