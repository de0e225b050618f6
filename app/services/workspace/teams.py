"""Teams of officials that problems can be assigned to: admins name them and choose their members."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from app.database.sessions import DbSession
from app.models import Assignment, Team, TeamMember, User
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.parsing import parse_id
from app.services.kernel.roles import require_admin
from app.services.kernel.text import clean_text

NAME_MAX = 80


@dataclass(frozen=True)
class TeamView:
    id: int
    name: str
    members: list[User]
    assigned: int  # problems assigned to the team: deleting it unassigns them


def teams(session: DbSession) -> list[TeamView]:
    """Every team by name, with its members by display name and how many problems it holds."""
    rows = list(session.scalars(select(Team).order_by(func.lower(Team.name), Team.id)))
    members: dict[int, list[User]] = {t.id: [] for t in rows}
    for member in session.scalars(select(TeamMember)):
        members[member.team_id].append(member.user)
    assigned = dict(
        session.execute(
            select(Assignment.team_id, func.count())
            .where(Assignment.team_id.is_not(None))
            .group_by(Assignment.team_id)
        )
        .tuples()
        .all()
    )
    by_name = {t.id: sorted(members[t.id], key=lambda u: u.display_name.lower()) for t in rows}
    return [TeamView(t.id, t.name, by_name[t.id], assigned.get(t.id, 0)) for t in rows]


def team_ids_of(session: DbSession, user_id: int) -> list[int]:
    return list(session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user_id)))


def _team(session: DbSession, raw_id: object) -> Team:
    team = session.get(Team, parse_id(raw_id, "team_id", label="Team"))
    if team is None:
        raise NotFound("There is no such team.", "team_id")
    return team


def create_team(session: DbSession, admin: User, raw_name: object) -> Team:
    require_admin(admin)
    name = clean_text(raw_name, "name", "Team name", NAME_MAX, multiline=False)
    taken = session.scalar(select(Team.id).where(func.lower(Team.name) == name.lower()))
    if taken is not None:
        raise Conflict(f"There is already a team called {name!r}.", "name")
    team = Team(name=name)
    session.add(team)
    session.flush()
    audit.record(session, admin, "team.create", "team", team.id, name=name)
    return team


def delete_team(session: DbSession, admin: User, raw_id: object) -> str:
    """Remove a team; problems assigned to it become unassigned (the assignment rows cascade), and the
    audit entry names them."""
    require_admin(admin)
    team = _team(session, raw_id)
    name = team.name
    unassigned = sorted(session.scalars(select(Assignment.issue_id).where(Assignment.team_id == team.id)))
    session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    session.delete(team)
    session.flush()
    audit.record(session, admin, "team.delete", "team", raw_id, name=name, unassigned_ids=unassigned)
    return name


def add_member(session: DbSession, admin: User, raw_team_id: object, raw_email: object) -> User:
    require_admin(admin)
    team = _team(session, raw_team_id)
    email = clean_text(raw_email, "email", "Email", 254, multiline=False).lower()
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or user.deleted_at is not None:
        raise NotFound(f"There is no account with the email {email!r}.", "email")
    if not user.has_staff_role:
        raise ValidationError(
            f"{user.display_name} is a resident; only officials and admins join teams.", "email"
        )
    if session.get(TeamMember, (team.id, user.id)) is not None:
        raise Conflict(f"{user.display_name} is already in {team.name}.", "email")
    session.add(TeamMember(team_id=team.id, user_id=user.id))
    session.flush()
    audit.record(session, admin, "team.add_member", "team", team.id, name=team.name, member=user.display_name)
    return user


def remove_member(session: DbSession, admin: User, raw_team_id: object, raw_user_id: object) -> None:
    require_admin(admin)
    team = _team(session, raw_team_id)
    user_id = parse_id(raw_user_id, "user_id", label="Member")
    member = session.get(TeamMember, (team.id, user_id))
    if member is None:
        raise NotFound("That person is not in this team.", "user_id")
    who = member.user.display_name
    session.delete(member)
    session.flush()
    audit.record(session, admin, "team.remove_member", "team", team.id, name=team.name, member=who)
