"""The status workflow: staff status changes (one or in bulk) and residents' "not fixed" reopening."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.database.sessions import DbSession
from app.models import Issue, IssueEvent, Status, User
from app.models.place import StatusType
from app.models.timestamps import utcnow
from app.models.workflow import EventKind
from app.services.issues.events import on_issue_event
from app.services.issues.money import currency_of, holding_money
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.parsing import parse_id, shown
from app.services.kernel.roles import require_confirmed, require_staff
from app.services.kernel.text import clean_note
from budgets.money import format_money

BULK_MAX = 500
DUPLICATE_STATUS = "duplicate"
DEFAULT_REOPEN_STATUS = "new"
NOT_FIXED_WINDOW = timedelta(days=30)


def find_status(session: DbSession, code: object) -> Status:
    value = str(code or "").strip()
    if not value:
        raise ValidationError("Choose the new status.", "status")
    status = session.get(Status, value)
    if status is None:
        known = ", ".join(session.scalars(select(Status.code).order_by(Status.position)))
        raise ValidationError(f"Status {value[:40]!r} is unknown; use one of {known}.", "status")
    return status


def lock_issues(session: DbSession, issue_ids: Iterable[int]) -> dict[int, Issue]:
    """Take the issues' row locks by writing first (SQLite's lock, PostgreSQL's row lock), then load them."""
    wanted = sorted(set(issue_ids))
    session.execute(
        update(Issue)
        .where(Issue.id.in_(wanted))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return load_issues(session, wanted, fresh=True)


def load_issues(session: DbSession, issue_ids: Iterable[int], *, fresh: bool = False) -> dict[int, Issue]:
    """The issues by id (`fresh`: read again from the database); NotFound naming any that is missing."""
    wanted = sorted(set(issue_ids))
    query = select(Issue).where(Issue.id.in_(wanted))
    if fresh:
        query = query.execution_options(populate_existing=True)
    issues = {i.id: i for i in session.scalars(query).unique()}
    missing = [i for i in wanted if i not in issues]
    if missing:
        listed = ", ".join(f"#{i}" for i in missing)
        raise NotFound(f"There is no issue {listed}.", "issue_id")
    withdrawn = [i for i in wanted if issues[i].withdrawn_at is not None]
    if withdrawn:
        # Found from outside: staff could set a status, edit and merge the emptied row.
        raise Conflict(
            f"Issue #{withdrawn[0]} was withdrawn by its reporter: it stays hidden, empty.", "issue_id"
        )
    return issues


def stamp(issue: Issue, old_type: str, new: Status, now: datetime) -> None:
    """Keep the workflow timestamps true: fixed_at only while fixed, closed_at only while closed."""
    if issue.acknowledged_at is None and new.code != DEFAULT_REOPEN_STATUS:
        issue.acknowledged_at = now
    if new.type == StatusType.FIXED and old_type != StatusType.FIXED:
        issue.fixed_at, issue.closed_at = now, None
    elif new.type == StatusType.CLOSED and old_type != StatusType.CLOSED:
        issue.closed_at, issue.fixed_at = now, None
    elif new.type == StatusType.OPEN:
        issue.fixed_at = issue.closed_at = None
    if new.code != DUPLICATE_STATUS:
        issue.duplicate_of_id = None


def apply_status(
    session: DbSession, actor: User, issue: Issue, new: Status, note: str, kind: str, now: datetime
) -> IssueEvent:
    old = session.get(Status, issue.status)
    old_type = old.type if old is not None else StatusType.OPEN.value
    event = IssueEvent(
        issue_id=issue.id,
        actor_id=actor.id,
        kind=kind,
        from_status=issue.status,
        to_status=new.code,
        note=note,
        by_staff=actor.is_staff,
        created_at=now,
    )
    stamp(issue, old_type, new, now)
    issue.status = new.code
    session.add(event)
    return event


def _check_target(status: Status) -> None:
    if status.code == DUPLICATE_STATUS:
        raise ValidationError(
            "To close an issue as a duplicate, mark it as a duplicate of the original instead.", "status"
        )


def _check_not_duplicates(issues: Iterable[Issue]) -> None:
    """A duplicate keeps its status: its likes and followers moved to the original when it was marked
    (services/workflow/duplicates.py), so reopening it would leave an empty copy beside the original.
    One with the status but no original (data from before merges kept one) moved nothing: it may change
    (found from outside: such problems could never be reopened or closed otherwise)."""
    marked = [
        issue for issue in issues if issue.status == DUPLICATE_STATUS and issue.duplicate_of_id is not None
    ]
    if not marked:
        return
    first = marked[0]
    others = f" (and {len(marked) - 1} more of those selected)" if len(marked) > 1 else ""
    raise ValidationError(
        f"Problem #{first.id}{others} is closed as a duplicate of #{first.duplicate_of_id}: its likes and "
        "followers moved there, so it keeps that status. Change the original's status instead.",
        "status",
    )


def check_money_settled(session: DbSession, issue_ids: Iterable[int], new: Status) -> None:
    """A funded problem is fixed or closed only once its committed money is paid out or returned: a
    problem no longer worked on would hold the money out of sight of the pool that gave it."""
    if new.type == StatusType.OPEN:
        return
    holding = holding_money(session, sorted(set(issue_ids)))  # one read for a bulk change
    if holding:
        issue_id = min(holding)
        left = format_money(holding[issue_id], currency_of(session, issue_id))
        raise ValidationError(
            f"Problem #{issue_id} cannot be marked {new.name!r} yet: {left} of its "
            "committed money is neither paid out nor returned. Record the payouts, or return the "
            "remainder, first.",
            "status",
        )


def change_status(
    session: DbSession, actor: User, issue_id: int, status_code: object, note: object
) -> IssueEvent:
    """Move one issue to `status_code` with a public note; kept in its history and the audit log."""
    require_staff(actor)
    new = find_status(session, status_code)
    _check_target(new)
    clean = clean_note(note)
    issue = lock_issues(session, [issue_id])[issue_id]
    _check_not_duplicates([issue])
    if issue.status == new.code:
        raise ValidationError(f"Issue #{issue_id} is already {new.name!r}.", "status")
    check_money_settled(session, [issue_id], new)
    event = apply_status(session, actor, issue, new, clean, EventKind.STATUS.value, utcnow())
    session.flush()
    audit.record(
        session,
        actor,
        "status.change",
        "issue",
        issue_id,
        from_status=event.from_status,
        to_status=new.code,
        note=clean,
    )
    on_issue_event(session, event)
    session.flush()
    return event


@dataclass(frozen=True)
class BulkChange:
    events: list[IssueEvent]
    unchanged_ids: list[int]  # already in the wanted status, left alone


def parse_issue_ids(raw: Iterable[object]) -> list[int]:
    ids: list[int] = []
    for value in raw:
        try:
            ids.append(parse_id(value, "issue_ids"))
        except ValidationError:
            raise ValidationError(f"{shown(value)} is not an issue number.", "issue_ids") from None
    return sorted(set(ids))


@dataclass(frozen=True)
class BulkPlan:
    """What a bulk change would do: the status, the note, which issues change and which are left."""

    status: Status
    note: str
    changing: list[int]
    unchanged: list[int]
    issues: dict[int, Issue]


def plan_bulk_change(
    session: DbSession,
    actor: User,
    issue_ids: Iterable[object],
    status_code: str,
    note: str,
    *,
    lock: bool = False,
) -> BulkPlan:
    """Check a batch as `bulk_change_status` would and say what it would change, changing nothing: the
    staff confirm it first (found from outside: sixteen problems closed at one tap, no question asked,
    fifteen follower mails sent)."""
    require_staff(actor)
    ids = parse_issue_ids(issue_ids)
    if not ids:
        raise ValidationError("Tick at least one problem in the list.", "issue_ids")
    if len(ids) > BULK_MAX:
        raise ValidationError(f"Select at most {BULK_MAX} issues at a time.", "issue_ids")
    new = find_status(session, status_code)
    _check_target(new)
    clean = clean_note(note)
    issues = lock_issues(session, ids) if lock else load_issues(session, ids)
    _check_not_duplicates(issues[i] for i in ids)
    unchanged = [i for i in ids if issues[i].status == new.code]
    if len(unchanged) == len(ids):
        raise ValidationError(f"Every selected issue is already {new.name!r}.", "status")
    changing = [i for i in ids if i not in unchanged]
    check_money_settled(session, changing, new)
    return BulkPlan(new, clean, changing, unchanged, issues)


def bulk_change_status(
    session: DbSession, actor: User, issue_ids: Iterable[object], status_code: str, note: str
) -> BulkChange:
    """One status and one note for a batch; all or nothing. Issues already in that status are skipped."""
    plan = plan_bulk_change(session, actor, issue_ids, status_code, note, lock=True)
    new, clean, unchanged, issues = plan.status, plan.note, plan.unchanged, plan.issues
    now = utcnow()
    events = [
        apply_status(session, actor, issues[i], new, clean, EventKind.STATUS.value, now)
        for i in plan.changing
    ]
    session.flush()
    audit.record(
        session,
        actor,
        "status.bulk_change",
        "issues",
        ",".join(str(e.issue_id) for e in events),
        issue_ids=[e.issue_id for e in events],
        # Each one's status before (found from outside: a fixed problem reopened in a batch left no trace
        # of "Fixed" in the audit, where a single change names both statuses).
        from_statuses={str(e.issue_id): e.from_status for e in events},
        unchanged_ids=unchanged,
        to_status=new.code,
        note=clean,
    )
    for event in events:
        on_issue_event(session, event)
    session.flush()
    return BulkChange(events, unchanged)


def not_fixed(
    session: DbSession,
    resident: User,
    issue_id: int,
    note: object = "",
    reopen_status: str = DEFAULT_REOPEN_STATUS,
    window: timedelta = NOT_FIXED_WINDOW,
) -> IssueEvent:
    """A resident says the fix did not hold: within `window` of the fix, the issue reopens."""
    if resident.is_blocked:
        raise PermissionDenied("This account is blocked and cannot post on issues.")
    if not resident.is_staff:
        require_confirmed(resident)  # reopening is public at once: only from a reachable person
    clean = clean_note(note, required=False)
    target = find_status(session, reopen_status)
    issue = lock_issues(session, [issue_id])[issue_id]
    if issue.is_hidden and not resident.is_staff:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    current = session.get(Status, issue.status)
    if current is None or current.type != StatusType.FIXED:
        raise ValidationError(f"Issue #{issue_id} is not marked fixed, so it cannot be reopened.", "status")
    now = utcnow()
    if issue.fixed_at is None or now - issue.fixed_at > window:
        raise ValidationError(
            f"Issue #{issue_id} was fixed more than {window.days} days ago; report the problem again.",
            "status",
        )
    event = apply_status(session, resident, issue, target, clean, EventKind.REOPEN.value, now)
    session.flush()
    on_issue_event(session, event)
    session.flush()
    return event


def can_say_not_fixed(issue: Issue, status_type: str, window: timedelta = NOT_FIXED_WINDOW) -> bool:
    return (
        status_type == StatusType.FIXED and issue.fixed_at is not None and utcnow() - issue.fixed_at <= window
    )
