"""Test data builders: each adds to the given session and flushes; the caller decides when to commit."""

from __future__ import annotations

import itertools
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.models import Issue, User
from app.models.account import Role
from app.models.timestamps import utcnow
from app.services.funding import groups, pledges
from app.services.funding.payments import TestProvider
from app.services.issues import likes, places, reports
from app.services.rounds import lifecycle as rounds
from tests.testcity import OLD_TOWN, Place, city_areas

DEFAULT_PASSWORD = "correct-horse-battery"
_serial = itertools.count(1)


@cache
def password_hash(password: str) -> str:
    """A real scrypt hash, with cheap work factors so that building hundreds of users stays fast."""
    return generate_password_hash(password, method="scrypt:1024:8:1")


def load_city(session: Session) -> None:
    """Reference data (categories, statuses) and the three test areas."""
    places.ensure_reference_data(session)
    places.import_areas(session, city_areas())


def new_user(
    session: Session,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    role: str = Role.RESIDENT.value,
    display_name: str | None = None,
    is_blocked: bool = False,
    email_confirmed: bool = True,
) -> User:
    number = next(_serial)
    user = User(
        email=email or f"resident{number}@example.org",
        display_name=display_name or f"Resident {number}",
        password_hash=password_hash(password),
        role=role,
        is_blocked=is_blocked,
        email_confirmed_at=utcnow() if email_confirmed else None,
    )
    session.add(user)
    session.flush()
    return user


def new_issue(
    session: Session,
    reporter: User | None = None,
    *,
    place: Place = OLD_TOWN,
    category: str = "pothole",
    title: str | None = None,
    description: str = "It has been like this for weeks.",
    status: str | None = None,
    hide_name: bool = False,
    created_at: datetime | None = None,
    likes_from: int = 0,
) -> Issue:
    """An issue reported through the real service (so its area is assigned), then adjusted."""
    reporter = reporter or new_user(session)
    issue = reports.create_issue(
        session,
        reporter,
        lat=place.lat,
        lon=place.lon,
        category=category,
        title=title or f"Problem {next(_serial)}",
        description=description,
        hide_name=hide_name,
    )
    changes: dict[str, object] = {}
    if status is not None:
        changes["status"] = status
    if created_at is not None:
        changes["created_at"] = created_at
    if changes:
        session.execute(update(Issue).where(Issue.id == issue.id).values(**changes))
        session.refresh(issue)
    for _ in range(likes_from):
        likes.like(session, new_user(session), issue.id)
    if likes_from:
        session.refresh(issue)
    return issue


def voting_round(
    session: Session, name: str, domain: str, members: int, costs: tuple[int, ...], **terms: Any
) -> tuple[int, list[int], User, list[User]]:
    """A group in Old Town whose round `name` (with `terms` beyond the defaults) is in its voting
    phase: admin@DOMAIN runs it, member0@DOMAIN ... each pledged 10.00 (confirmed), and every cost
    in `costs` is a problem liked once. Returns the round id, the problems' ids, the admin and the
    members."""
    group = groups.create_group(session, None, groups.area_id_by_name(session, "Old Town"), name)
    pool_id = groups.get_group_row(session, group.id).pool_id
    admin = new_user(session, email=f"admin@{domain}")
    groups.join(session, admin, group.id, as_admin=True)
    voters = []
    for n in range(members):
        member = new_user(session, email=f"member{n}@{domain}")
        groups.join(session, member, group.id)
        pledges.pledge(session, member, pool_id, 1000, f"{domain}-{n}", TestProvider())
        voters.append(member)
    issue_ids = []
    for cents in costs:
        issue = new_issue(session, likes_from=1)
        session.execute(update(Issue).where(Issue.id == issue.id).values(cost_estimate_cents=cents))
        issue_ids.append(issue.id)
    settings = {"group_id": group.id, "name": name, "top_n": 10, "leftover": "rollover", **terms}
    created = rounds.create_round(session, admin, settings)
    rounds.advance(session, admin, created.id, "pledging")
    rounds.advance(session, admin, created.id, "voting")
    return created.id, issue_ids, admin, voters


def unused_id(session: Session, model: type[Any]) -> int:
    """An id no row of `model` has: PostgreSQL's sequences outlive the tests' cleanup, so a fixed
    "surely missing" id such as 999 can belong to a row another test made."""
    return (session.scalar(select(func.max(model.id))) or 0) + 1


def give_desk_work(session: Session, official_id: int, issue_id: int, team: str = "Roads crew") -> None:
    """The official is in a new team and has the issue assigned (what leaving the staff must undo)."""
    from app.models.desk import Assignment, Team, TeamMember

    crew = Team(name=team)
    session.add(crew)
    session.flush()
    session.add_all(
        [TeamMember(team_id=crew.id, user_id=official_id), Assignment(issue_id=issue_id, user_id=official_id)]
    )
