"""Admins configure the typed statuses: add, rename, retype, reorder and delete unused ones.

Names are unique (ignoring case): two "Acknowledged (open)" in a list cannot be told apart. Every type
keeps at least one status, so problems can always be marked fixed or closed. Retyping a status that
problems are in moves all of them between the open lists and the fixed or closed ones, so it asks for
`confirm_retype`, naming how many problems it changes.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.models import Issue, Status, User
from app.models.place import StatusType
from app.models.timestamps import utcnow
from app.services.issues.money import currency_of, holding_money
from app.services.issues.places import statuses
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.roles import require_admin
from app.services.kernel.text import first_of
from app.services.workflow import config_lists
from app.services.workflow.status_changes import DEFAULT_REOPEN_STATUS, DUPLICATE_STATUS, stamp
from budgets.money import format_money

# The workflow relies on these two: new reports start "new", duplicates close as "duplicate".
REQUIRED_TYPES = {DEFAULT_REOPEN_STATUS: StatusType.OPEN.value, DUPLICATE_STATUS: StatusType.CLOSED.value}


def _clean_type(raw: object) -> str:
    kind = str(raw or "").strip()
    allowed = [t.value for t in StatusType]
    if kind not in allowed:
        raise ValidationError(f"Type must be one of {', '.join(allowed)}.", "type")
    return kind


def _get(session: DbSession, code: str) -> Status:
    status = session.get(Status, code)
    if status is None:
        raise NotFound(f"There is no status {code[:40]!r}.", "status")
    return status


def _check_not_last_of_type(session: DbSession, status: Status, doing: str) -> None:
    kept = int(
        session.scalar(select(func.count()).select_from(Status).where(Status.type == status.type)) or 0
    )
    if kept <= 1:
        raise ValidationError(
            f"{status.name!r} is the only status of type {status.type}: {doing} would leave no way to mark a "
            f"problem {status.type}. Add another {status.type} status first.",
            "type",
        )


def _check_money_settled(session: DbSession, status: Status, kind: str) -> None:
    """A retype to fixed or closed moves every problem in the status there at once, so it waits, as each
    problem's own change does, until no problem in it holds committed money (found from outside:
    retyping Planned to closed closed three funded problems with their money unspent)."""
    ids = list(session.scalars(select(Issue.id).where(Issue.status == status.code).order_by(Issue.id)))
    holding = [
        f"#{issue_id} ({format_money(left, currency_of(session, issue_id))})"
        for issue_id, left in sorted(holding_money(session, ids).items())
    ]
    if holding:
        raise ValidationError(
            f"{status.name!r} cannot become {kind}: problems in it hold committed money that is neither "
            f"paid out nor returned: {first_of(holding, 5)}. Record their payouts, or return the "
            "remainder, first.",
            "type",
        )


def _restamp(session: DbSession, status: Status, old_type: str) -> list[int]:
    """The problems in a retyped status get the dates their new type keeps (fixed_at while fixed,
    closed_at while closed), as a status change of each would give them; returns their ids. Found from
    outside: seventeen problems retyped to fixed had no fixed date, so the dashboard's fixes and time
    to fix left them out and residents could not say "not fixed"."""
    now = utcnow()
    issues = list(session.scalars(select(Issue).where(Issue.status == status.code).order_by(Issue.id)))
    for issue in issues:
        stamp(issue, old_type, status, now)
    return [issue.id for issue in issues]


def _in_use(session: DbSession, code: str) -> int:
    return int(session.scalar(select(func.count(Issue.id)).where(Issue.status == code)) or 0)


def add_status(session: DbSession, admin: User, code: object, name: object, kind: object) -> Status:
    require_admin(admin)
    clean_code = config_lists.clean_code(code, "waiting-for-parts")
    clean_name, clean_kind = config_lists.clean_name(name), _clean_type(kind)
    if session.get(Status, clean_code) is not None:
        raise Conflict(f"A status with the code {clean_code!r} already exists.", "code")
    config_lists.check_name_free(session, Status, "status", clean_name, None)
    last = session.scalar(select(func.max(Status.position)))
    status = Status(code=clean_code, name=clean_name, type=clean_kind, position=(last or 0) + 1)
    session.add(status)
    audit.record(session, admin, "status.add", "status", clean_code, name=clean_name, type=clean_kind)
    session.flush()
    return status


def update_status(
    session: DbSession, admin: User, code: str, name: object, kind: object, confirm_retype: bool = False
) -> Status:
    """Rename and/or retype a status (see the module docstring for what a retype asks)."""
    require_admin(admin)
    status = _get(session, code)
    clean_name, clean_kind = config_lists.clean_name(name), _clean_type(kind)
    required = REQUIRED_TYPES.get(status.code)
    if required is not None and clean_kind != required:
        raise ValidationError(f"The {status.code!r} status must stay of type {required}.", "type")
    if (status.name, status.type) == (clean_name, clean_kind):
        raise ValidationError("Nothing to change: the name and type are the same.", "name")
    config_lists.check_name_free(session, Status, "status", clean_name, status.code)
    if clean_kind != status.type:
        _check_not_last_of_type(session, status, f"making it {clean_kind}")
        if clean_kind != StatusType.OPEN.value:
            _check_money_settled(session, status, clean_kind)
        used = _in_use(session, status.code)
        if used and not confirm_retype:
            raise ValidationError(
                f"{used} problem{'s are' if used != 1 else ' is'} {status.name!r}: making it {clean_kind} "
                f"moves {'them' if used != 1 else 'it'} from the {status.type} problems to the {clean_kind} "
                "ones (the priorities, the overdue counts and the map follow). Tick the box to go ahead.",
                "confirm_retype",
            )
    before = {"name": status.name, "type": status.type}
    status.name, status.type = clean_name, clean_kind
    moved = _restamp(session, status, before["type"]) if clean_kind != before["type"] else []
    audit.record(
        session,
        admin,
        "status.update",
        "status",
        code,
        before=before,
        after={"name": clean_name, "type": clean_kind},
        **({"issues": moved} if moved else {}),
    )
    session.flush()
    return status


def move_status(session: DbSession, admin: User, code: str, direction: str) -> list[Status]:
    """Move a status one place up or down; positions are renumbered 0..n-1."""
    require_admin(admin)
    ordered = config_lists.moved(statuses(session), "status", code, direction)
    audit.record(
        session, admin, "status.move", "status", code, direction=direction, order=[s.code for s in ordered]
    )
    session.flush()
    return ordered


def delete_status(session: DbSession, admin: User, code: str) -> None:
    require_admin(admin)
    status = _get(session, code)
    if status.code in REQUIRED_TYPES:
        raise ValidationError(f"The {status.code!r} status is required by the workflow.", "status")
    _check_not_last_of_type(session, status, "deleting it")
    used = _in_use(session, status.code)
    if used:
        raise Conflict(
            f"Status {status.name!r} is in use by {used} issue{'s' if used != 1 else ''}; "
            "move them to another status first.",
            "status",
        )
    session.delete(status)
    audit.record(session, admin, "status.delete", "status", code, name=status.name, type=status.type)
    session.flush()
