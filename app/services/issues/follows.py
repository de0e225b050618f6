"""Following an issue or an area: idempotent, one row per (user, issue) and per (user, area)."""

from __future__ import annotations

from sqlalchemy import delete, literal, select

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_from_select_ignoring_duplicates, insert_ignoring_duplicates
from app.models import Area, Follow, Issue, User
from app.models.timestamps import utcnow
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.roles import require_confirmed, require_not_blocked


def _target(session: DbSession, issue_id: int | None, area_id: int | None) -> dict[str, int]:
    if (issue_id is None) == (area_id is None):
        raise ValidationError("Follow either one issue or one area.", "issue_id")
    if issue_id is not None:
        if session.scalar(select(Issue.id).where(Issue.id == issue_id, Issue.is_hidden.is_(False))) is None:
            raise NotFound(f"There is no issue {issue_id}.", "issue_id")
        return {"issue_id": issue_id}
    assert area_id is not None
    if session.get(Area, area_id) is None:
        raise NotFound(f"There is no area {area_id}.", "area_id")
    return {"area_id": area_id}


def follow(
    session: DbSession, user: User, *, issue_id: int | None = None, area_id: int | None = None
) -> bool:
    """Start following; returns False when the user already followed it. The unique keys settle races."""
    require_not_blocked(user)
    require_confirmed(user)
    target = _target(session, issue_id, area_id)
    inserted = execute_write(
        session, insert_ignoring_duplicates(session, Follow, user_id=user.id, created_at=utcnow(), **target)
    ).rowcount
    if issue_id is not None:
        _require_original(session, issue_id)
    return bool(inserted)


def _require_original(session: DbSession, issue_id: int) -> None:
    """Refuse to follow a duplicate closed into another: its status stays, so it would never be news,
    and its followers moved to the original (found from outside: a follow of a merged duplicate was
    taken). Read after the follow is written and under a share lock, so a follow racing the merge waits
    for it and sees it (SQLite's write lock does the same)."""
    original = session.scalar(
        select(Issue.duplicate_of_id).where(Issue.id == issue_id).with_for_update(read=True)
    )
    if original is not None:
        raise Conflict(
            f"Problem #{issue_id} is closed as a duplicate of problem #{original}: follow that one instead.",
            "issue_id",
        )


def unfollow(
    session: DbSession, user: User, *, issue_id: int | None = None, area_id: int | None = None
) -> bool:
    """Stop following; returns False when the user did not follow it."""
    if (issue_id is None) == (area_id is None):
        raise ValidationError("Unfollow either one issue or one area.", "issue_id")
    column = Follow.issue_id if issue_id is not None else Follow.area_id
    removed = execute_write(
        session,
        delete(Follow).where(
            Follow.user_id == user.id, column == (issue_id if issue_id is not None else area_id)
        ),
    ).rowcount
    return bool(removed)


def is_following(
    session: DbSession, user_id: int, *, issue_id: int | None = None, area_id: int | None = None
) -> bool:
    column = Follow.issue_id if issue_id is not None else Follow.area_id
    value = issue_id if issue_id is not None else area_id
    return session.scalar(select(Follow.id).where(Follow.user_id == user_id, column == value)) is not None


def issue_follower_ids(session: DbSession, issue_id: int) -> list[int]:
    return list(
        session.scalars(select(Follow.user_id).where(Follow.issue_id == issue_id).order_by(Follow.user_id))
    )


def move_issue_followers(session: DbSession, from_issue_id: int, to_issue_id: int) -> int:
    """Everyone who follows `from_issue_id` follows `to_issue_id` instead (a merge: found from outside,
    the duplicate's follow stayed in "What I follow" beside the mail saying it had moved); returns how
    many follows `to_issue_id` gained."""
    query = select(Follow.user_id, literal(to_issue_id), Follow.created_at).where(
        Follow.issue_id == from_issue_id
    )
    before = len(issue_follower_ids(session, to_issue_id))
    session.execute(
        insert_from_select_ignoring_duplicates(session, Follow, ["user_id", "issue_id", "created_at"], query)
    )
    session.execute(delete(Follow).where(Follow.issue_id == from_issue_id))
    return len(issue_follower_ids(session, to_issue_id)) - before
