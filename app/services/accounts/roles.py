"""Changing an account's role (resident, official, admin): `flask --app wsgi set-role EMAIL ROLE`.

Found from outside: no page, API or command changed a role, so a resident who joined the city's staff
needed a second account, an official who left kept their rights, and the block form's "change the role
first" pointed at nothing. The person running the command on the server vouches for the change, as for
`create-user`; it is audited as "account.role" by the command (no account acted).

A promotion to the staff sets a new password that meets the staff's rule (the account's own may have
been chosen under the residents' lighter one). Any change ends the account's logins and revokes its API
tokens, which were granted to the old role. A demotion to resident takes the account off the teams
and the problems assigned to it; the last admin cannot be demoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from app.database.sessions import DbSession
from app.models import User
from app.models.account import Role
from app.models.desk import Assignment, Team, TeamMember
from app.services.accounts import logins
from app.services.accounts import tokens as api_tokens
from app.services.accounts.passwords import replace_hash
from app.services.accounts.users import account_hints, check_password, check_staff_password
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, ValidationError

STAFF_ROLES = (Role.OFFICIAL.value, Role.ADMIN.value)


@dataclass(frozen=True)
class RoleChanged:
    user: User
    before: str
    logins_ended: int
    tokens_revoked: int
    assignments_dropped: int


def change_role(session: DbSession, email: str, role: str, password: str | None = None) -> RoleChanged:
    """Give the account at `email` the role `role` (a promotion to the staff needs `password`)."""
    if role not in {r.value for r in Role}:
        raise ValidationError(f"Role must be one of {', '.join(r.value for r in Role)}.", "role")
    address = email.strip().lower()
    user = session.scalar(
        select(User).where(func.lower(User.email) == address, User.deleted_at.is_(None)).with_for_update()
    )
    if user is None:
        raise NotFound(f"There is no account {address[:254]!r}.", "email")
    before = user.role
    if before == role:
        raise ValidationError(f"{user.email} is already {_a(role)}.", "role")
    if role in STAFF_ROLES and user.is_blocked:
        # Found from outside: a blocked account made the only admin left nobody to reach the admin pages.
        raise Conflict(f"{user.email} is blocked: unblock it first (Blocks, in the admin pages).", "email")
    if before == Role.ADMIN.value and not user.is_blocked and _admins(session) <= 1:
        raise Conflict("This is the only admin account that can act: make another admin first.", "role")
    if role in STAFF_ROLES and before not in STAFF_ROLES:
        if password is None:
            raise ValidationError("A new member of the staff needs a new password.", "password")
        hints = account_hints(user.email, user.display_name)
        secret = check_password(password, *hints)
        check_staff_password(secret, *hints)
        replace_hash(session, user, secret, user.password_hash)
    details: dict[str, object] = {"email": user.email, "from": before, "to": role}
    dropped = 0
    if role == Role.RESIDENT.value:
        # Found from outside: the audit log told of the new role alone, not of the teams left and the
        # problems unassigned with it.
        teams = session.scalars(
            select(Team.name)
            .join(TeamMember, TeamMember.team_id == Team.id)
            .where(TeamMember.user_id == user.id)
        ).all()
        unassigned = session.scalars(select(Assignment.issue_id).where(Assignment.user_id == user.id)).all()
        session.execute(delete(TeamMember).where(TeamMember.user_id == user.id))
        session.execute(delete(Assignment).where(Assignment.user_id == user.id))
        dropped = len(unassigned)
        details |= {"left_teams": sorted(teams), "unassigned_ids": sorted(unassigned)}
    user.role = role
    ended = logins.end_logins(session, user)
    revoked = api_tokens.revoke_all(session, user)
    audit.record_unattended(session, "command", "account.role", "user", user.id, details)
    session.flush()
    return RoleChanged(user, before, ended, revoked, dropped)


def needs_password(session: DbSession, email: str) -> bool:
    """Whether a promotion of the account at `email` to the staff sets a new password (it is a resident's)."""
    found = session.scalar(
        select(User.role).where(func.lower(User.email) == email.strip().lower(), User.deleted_at.is_(None))
    )
    return found is not None and found not in STAFF_ROLES


def _admins(session: DbSession) -> int:
    """The admins who can act: not blocked, not deleted."""
    admin = (User.role == Role.ADMIN.value, User.deleted_at.is_(None), User.is_blocked.is_(False))
    return int(session.scalar(select(func.count()).where(*admin)) or 0)


def _a(role: str) -> str:
    return f"an {role}" if role[0] in "aeiou" else f"a {role}"
