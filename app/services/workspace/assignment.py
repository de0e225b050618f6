"""Who works on a problem: one official or one team, chosen by staff; staff-only and audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Assignment, Issue, Team, User
from app.models.account import Role
from app.models.timestamps import utcnow
from app.services.kernel import audit
from app.services.kernel.errors import NotFound, ValidationError
from app.services.kernel.parsing import parse_id
from app.services.kernel.roles import require_staff

NOBODY = ""


@dataclass(frozen=True)
class Assignee:
    """A choice in the assignment list: `key` is "user:<id>" or "team:<id>"."""

    key: str
    label: str


def assignee_choices(session: DbSession, current: Assignment | None = None) -> list[Assignee]:
    """Teams first, then every official and admin whose account is usable; and the current assignee
    even when no longer usable, said so (found from outside: a blocked assignee's problem showed
    "Nobody" chosen, and saving the form unassigned it without a word)."""
    team_rows = session.execute(select(Team.id, Team.name).order_by(Team.name)).tuples()
    staff = session.execute(
        select(User.id, User.display_name)
        .where(User.role.in_((Role.OFFICIAL.value, Role.ADMIN.value)))
        .where(User.is_blocked.is_(False), User.deleted_at.is_(None))
        .order_by(User.display_name)
    ).tuples()
    found = [Assignee(f"team:{i}", f"Team: {name}") for i, name in team_rows] + [
        Assignee(f"user:{i}", name) for i, name in staff
    ]
    kept = key_of(current)
    if kept is not None and kept not in {a.key for a in found}:
        found.append(Assignee(kept, f"{label_of(session, current)} (can no longer be assigned)"))
    return found


def key_of(assignment: Assignment | None) -> str | None:
    """The choice naming an assignment's assignee ("team:3", "user:7"), None for nobody."""
    if assignment is None:
        return None
    return f"team:{assignment.team_id}" if assignment.team_id else f"user:{assignment.user_id}"


def label_of(session: DbSession, assignment: Assignment | None) -> str | None:
    if assignment is None:
        return None
    if assignment.team_id is not None:
        team = session.get(Team, assignment.team_id)
        return f"Team: {team.name}" if team else None
    user = session.get(User, assignment.user_id)
    return user.display_name if user else None


def current(session: DbSession, issue_id: int) -> Assignment | None:
    return session.get(Assignment, issue_id)


def _parse_choice(session: DbSession, raw: object) -> tuple[str, int] | None:
    """("user", id) or ("team", id) for a usable assignee; None for "nobody"."""
    if raw is None or (isinstance(raw, str) and raw.strip() == NOBODY):
        return None
    if not isinstance(raw, str) or ":" not in raw:
        raise ValidationError("Choose an official or a team from the list.", "assignee")
    kind, _, raw_id = raw.strip().partition(":")
    if kind not in ("user", "team"):
        raise ValidationError("Choose an official or a team from the list.", "assignee")
    target_id = parse_id(raw_id, "assignee", label="Assignee")
    if kind == "team":
        if session.get(Team, target_id) is None:
            raise NotFound("There is no such team.", "assignee")
        return kind, target_id
    user = session.get(User, target_id)
    if user is None or not user.is_staff or user.is_blocked or user.deleted_at is not None:
        raise ValidationError("Problems are assigned to officials, admins or teams only.", "assignee")
    return kind, target_id


def assign(session: DbSession, actor: User, issue_id: int, raw_choice: object) -> Assignment | None:
    """Assign the problem (replacing any earlier assignee), or clear it with an empty choice."""
    require_staff(actor)
    if session.scalar(select(Issue.id).where(Issue.id == issue_id, Issue.withdrawn_at.is_(None))) is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    existing = session.get(Assignment, issue_id)
    if isinstance(raw_choice, str) and existing is not None and raw_choice.strip() == key_of(existing):
        return existing  # the same assignee again: nothing changes, nothing is audited
    choice = _parse_choice(session, raw_choice)
    before = label_of(session, existing)
    if choice is None:
        if existing is not None:
            session.delete(existing)
            session.flush()
            audit.record(session, actor, "issue.unassign", "issue", issue_id, previous=before)
        return None
    kind, target_id = choice
    if existing is None:
        existing = Assignment(issue_id=issue_id)
        session.add(existing)
    existing.user_id = target_id if kind == "user" else None
    existing.team_id = target_id if kind == "team" else None
    existing.assigned_by_id = actor.id
    existing.assigned_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "issue.assign",
        "issue",
        issue_id,
        assignee=label_of(session, existing),
        kind=kind,
        assignee_id=target_id,
        previous=before,
    )
    return existing
