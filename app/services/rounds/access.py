"""Who may do what in a round: members vote; group admins and officials run rounds; officials match."""

from __future__ import annotations

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.models import Group, Membership, Pool, Round, User
from app.services.funding import groups
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.parsing import ID_MAX
from app.services.kernel.roles import require_not_blocked


def get_round(session: DbSession, round_id: int) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFound(f"There is no round {round_id}.", "round_id")
    return found


def get_group(session: DbSession, group_id: object, field: str = "group_id") -> Group:
    if isinstance(group_id, bool) or not isinstance(group_id, int) or not 1 <= group_id <= ID_MAX:
        raise ValidationError(f"{field} must be the id (a whole number) of a neighbourhood group.", field)
    group = session.get(Group, group_id)
    if group is None:
        raise ValidationError(f"There is no neighbourhood group {group_id}.", field)
    return group


def group_name_of(session: DbSession, found: Round) -> str:
    """The name of the round's group, as its mails and history say it."""
    return session.scalar(select(Group.name).where(Group.id == found.group_id)) or "the group"


def pool_id_of(session: DbSession, group_id: int) -> int:
    pool_id = session.scalar(select(Pool.id).where(Pool.group_id == group_id))
    if pool_id is None:
        raise Conflict(f"Group {group_id} has no pool yet, so it cannot run a round.", "group_id")
    return int(pool_id)


def is_member(session: DbSession, group_id: int, user_id: int) -> bool:
    return groups.membership(session, user_id, group_id) is not None


def can_run(session: DbSession, user: User | None, group_id: int) -> bool:
    """Officials and admins run every group's rounds; a group admin runs their own group's."""
    return user is not None and groups.runs_group(session, user, group_id)


def require_runner(session: DbSession, user: User, group_id: int, action: str) -> None:
    require_not_blocked(user)
    if not can_run(session, user, group_id):
        raise PermissionDenied(f"Only the group's admins and city officials can {action}.")


def require_official(user: User, action: str, field: str | None = None) -> None:
    """An official or admin whose account is not blocked: a blocked official's token or login
    still works for reading, never for the city's acts (certifying, matching, cancelling ...)."""
    if not user.has_staff_role:
        raise PermissionDenied(f"Only city officials can {action}.", field)
    require_not_blocked(user, field)


def require_member(session: DbSession, user: User, group_id: int) -> None:
    require_not_blocked(user)
    if not is_member(session, group_id, user.id):
        raise Conflict(
            "Only members of the neighbourhood group can vote in its rounds: join the group first.",
            "round_id",
        )


def member_count(session: DbSession, group_id: int) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Membership).where(Membership.group_id == group_id))
        or 0
    )
