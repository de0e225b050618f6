"""Closing an issue as a duplicate of another: likes and followers move to the original.

The original must be a public, open report that is no duplicate itself, and the duplicate must hold no
committed money (it is paid out or returned first, as before marking it fixed). `preview` checks all
of that without writing and says what the merge would do, for the staff form's review step.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, literal, select, update

from app.database.sessions import DbSession
from app.database.spellings import insert_from_select_ignoring_duplicates
from app.models import Backing, Issue, IssueEvent, Like, Status, User
from app.models.backing import BackingStatus
from app.models.place import StatusType
from app.models.timestamps import utcnow
from app.models.workflow import EventKind
from app.services.issues import follows
from app.services.issues.events import on_issue_event
from app.services.issues.money import currency_of, unspent_cents
from app.services.issues.queries import IssueRow, get_issue_row
from app.services.kernel import audit
from app.services.kernel.errors import NotFound, ValidationError
from app.services.kernel.parsing import parse_id
from app.services.kernel.roles import require_staff
from app.services.kernel.text import clean_note
from app.services.workflow.status_changes import (
    DUPLICATE_STATUS,
    apply_status,
    find_status,
    lock_issues,
)
from budgets.money import format_money
from geo.distance import distance_m


@dataclass(frozen=True)
class Merge:
    duplicate_event: IssueEvent
    original_event: IssueEvent
    likes_moved: int
    followers_added: int


def _as_id(raw: object, field: str) -> int:
    """The original's number as the app writes it ("#321") or bare ("321")."""
    if isinstance(raw, str):
        raw = raw.strip().removeprefix("#")
    try:
        return parse_id(raw, field)
    except ValidationError:
        raise ValidationError("Give the original issue's number, like 42 or #42.", field) from None


def _like_count(session: DbSession, issue_id: int) -> int:
    return int(session.scalar(select(func.count(Like.id)).where(Like.issue_id == issue_id)) or 0)


def _likes_said(had: int, moved: int) -> str:
    """What became of the duplicate's likes, for the original's timeline: all of them count here, even
    those of residents who already liked it (found from outside: "0 likes moved here" read as the
    duplicate's 19 likes lost)."""
    if had == 0:
        return "it had no likes."
    likes = f"{had} like{'s' if had != 1 else ''}"
    if moved == had:
        return f"its {likes} moved here."
    if moved == 0:
        return f"its {likes} came from residents who already like this one."
    already = had - moved
    return f"its {likes} count here now ({moved} new, {already} from residents who already like this one)."


def _likes_to_move(session: DbSession, duplicate_id: int, original_id: int) -> int:
    """The duplicate's likes from residents who do not like the original yet: what it would gain."""
    liked_original = select(Like.user_id).where(Like.issue_id == original_id)
    return int(
        session.scalar(
            select(func.count(Like.id)).where(
                Like.issue_id == duplicate_id, Like.user_id.not_in(liked_original)
            )
        )
        or 0
    )


def _original_id(session: DbSession, duplicate_id: int, original_id: object) -> int:
    """The original's number, both issues existing and distinct."""
    original = _as_id(original_id, "original_id")
    if original == duplicate_id:
        raise ValidationError("An issue cannot be a duplicate of itself.", "original_id")
    if session.scalar(select(Issue.id).where(Issue.id == duplicate_id)) is None:
        raise NotFound(f"There is no issue {duplicate_id}.", "issue_id")
    if session.scalar(select(Issue.id).where(Issue.id == original)) is None:
        raise NotFound(f"There is no issue {original} to be the original.", "original_id")
    return original


def _check_pair(session: DbSession, dup: Issue, orig: Issue) -> None:
    """Refuse a merge that would lose sight of likes, followers or money (see the module docstring)."""
    duplicate_id, original = dup.id, orig.id
    if orig.duplicate_of_id is not None or orig.status == DUPLICATE_STATUS:
        pointer = f" of #{orig.duplicate_of_id}" if orig.duplicate_of_id else ""
        raise ValidationError(
            f"Issue #{original} is itself a duplicate{pointer}; choose the issue it duplicates.",
            "original_id",
        )
    if dup.status == DUPLICATE_STATUS:
        raise ValidationError(f"Issue #{duplicate_id} is already closed as a duplicate.", "issue_id")
    if orig.is_hidden:
        raise ValidationError(
            f"Issue #{original} is not public (hidden by the moderators, or waiting for its reporter to "
            f"confirm their email): residents who liked or follow #{duplicate_id} would lose sight of it. "
            "Choose a public original.",
            "original_id",
        )
    status = session.scalar(select(Status).where(Status.code == orig.status))
    if status is not None and status.type != StatusType.OPEN:
        raise ValidationError(
            f"Issue #{original} is {status.name!r}, no longer worked on: the likes of #{duplicate_id} "
            f"would leave the priorities. Choose an open original, or reopen #{original} first.",
            "original_id",
        )
    held = unspent_cents(session, duplicate_id)
    if held:
        money = format_money(held, currency_of(session, duplicate_id))
        raise ValidationError(
            f"Problem #{duplicate_id} holds {money} committed to its fix: record its payouts or return the "
            "remainder before closing it as a duplicate.",
            "issue_id",
        )


@dataclass(frozen=True)
class MergePreview:
    """What closing `duplicate` as a duplicate of `original` would do, for the staff's review step."""

    duplicate: IssueRow
    original: IssueRow
    distance_m: float
    likes: int  # on the duplicate; a resident who liked both keeps one like
    followers: int
    backers: int  # held backings refunded, as when any backed problem closes
    backed_cents: int
    pending: int  # backings still waiting for the cashier: cancelled, nothing having moved
    pending_cents: int
    currency: str


def _backings(session: DbSession, issue_id: int, status: str) -> tuple[int, int]:
    """How many backings of the problem are in `status`, and their cents."""
    count, cents = session.execute(
        select(func.count(Backing.id), func.coalesce(func.sum(Backing.amount_cents), 0)).where(
            Backing.issue_id == issue_id, Backing.status == status
        )
    ).one()
    return int(count), int(cents)


def preview(session: DbSession, actor: User, duplicate_id: int, original_id: object) -> MergePreview:
    """Every check `mark_duplicate` makes, without writing, and what the merge would move or refund."""
    require_staff(actor)
    original = _original_id(session, duplicate_id, original_id)
    dup, orig = session.get(Issue, duplicate_id), session.get(Issue, original)
    assert dup is not None  # _original_id found both
    assert orig is not None
    _check_pair(session, dup, orig)
    held = _backings(session, duplicate_id, BackingStatus.HELD.value)
    pending = _backings(session, duplicate_id, BackingStatus.PENDING.value)
    return MergePreview(
        duplicate=get_issue_row(session, duplicate_id),
        original=get_issue_row(session, original),
        distance_m=distance_m(dup.lon, dup.lat, orig.lon, orig.lat),
        # What the original gains, as the merge's audit counts it (found from outside: a resident who
        # followed both was counted as a follower who moves).
        likes=_likes_to_move(session, duplicate_id, original),
        followers=len(
            set(follows.issue_follower_ids(session, duplicate_id))
            - set(follows.issue_follower_ids(session, original))
        ),
        backers=held[0],
        backed_cents=held[1],
        pending=pending[0],
        pending_cents=pending[1],
        currency=currency_of(session, duplicate_id),
    )


def mark_duplicate(
    session: DbSession, actor: User, duplicate_id: int, original_id: object, note: object = None
) -> Merge:
    """Close `duplicate_id` as a duplicate of `original_id`; its likes and followers move over.

    A resident who liked both keeps one like on the original (INSERT ... ON CONFLICT DO NOTHING,
    both counts follow by trigger). Issues that pointed at the duplicate now point at the original.
    """
    require_staff(actor)
    original = _original_id(session, duplicate_id, original_id)
    clean = clean_note(note, required=False)
    status = find_status(session, DUPLICATE_STATUS)
    issues = lock_issues(session, [duplicate_id, original])
    dup, orig = issues[duplicate_id], issues[original]
    _check_pair(session, dup, orig)

    now = utcnow()
    text = clean or f"Duplicate of #{original}: {orig.title}"
    dup_event = apply_status(session, actor, dup, status, text, EventKind.DUPLICATE.value, now)
    dup_event.related_issue_id = original
    dup.duplicate_of_id = original
    session.flush()
    # The duplicate's followers are told before their follows move to the original.
    on_issue_event(session, dup_event)

    # Moved = what the original gained: rowcount of INSERT ... SELECT is -1 on psycopg.
    had = _like_count(session, duplicate_id)
    before = _like_count(session, original)
    session.execute(
        insert_from_select_ignoring_duplicates(
            session,
            Like,
            ["user_id", "issue_id", "created_at"],
            select(Like.user_id, literal(original), Like.created_at).where(Like.issue_id == duplicate_id),
        )
    )
    session.execute(delete(Like).where(Like.issue_id == duplicate_id))
    moved = _like_count(session, original) - before
    added = follows.move_issue_followers(session, duplicate_id, original)
    session.execute(
        update(Issue)
        .where(Issue.duplicate_of_id == duplicate_id)
        .values(duplicate_of_id=original)
        .execution_options(synchronize_session=False)
    )
    orig_event = IssueEvent(
        issue_id=original,
        actor_id=actor.id,
        kind=EventKind.MERGED.value,
        note=(
            f"Issue #{duplicate_id} ({dup.title}) was closed as a duplicate of this one;"
            f" {_likes_said(had, moved)}"
        ),
        by_staff=True,
        related_issue_id=duplicate_id,
        created_at=now,
    )
    session.add(orig_event)
    session.flush()
    audit.record(
        session,
        actor,
        "issue.duplicate",
        "issue",
        duplicate_id,
        original_id=original,
        likes_moved=moved,
        followers_added=added,
        note=text,
    )
    on_issue_event(session, orig_event)
    session.flush()
    session.refresh(dup)
    session.refresh(orig)
    return Merge(dup_event, orig_event, moved, added)
