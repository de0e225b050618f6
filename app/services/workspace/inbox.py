"""The official's morning: new reports since the last visit, overdue reports, problems residents say
are not fixed, flagged and assigned ones."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, false, func, literal, or_, select

from app.database.sessions import DbSession
from app.models import (
    Area,
    Assignment,
    Category,
    Flag,
    Group,
    InboxVisit,
    Issue,
    IssueEvent,
    Membership,
    Pledge,
    Pool,
    Status,
    User,
)
from app.models.funding import PledgeStatus
from app.models.moderation import FlagStatus
from app.models.place import StatusType
from app.models.workflow import EventKind
from app.services.issues.report_deletion import withdrawn_ids
from app.services.kernel.roles import require_staff
from app.services.workspace.targets import overdue_condition
from app.services.workspace.teams import team_ids_of

SHOWN = 10  # rows listed per section; the count says how many there are
FIRST_VISIT_DAYS = 7  # with no earlier visit, "new" means the last week


@dataclass(frozen=True)
class InboxRow:
    id: int
    title: str
    category_name: str
    status_name: str
    status_type: str
    area: str
    created_at: datetime
    hidden: bool
    status: str  # the code, for the status's own badge
    extra: int = 0  # flags for the flagged section, days waiting for the overdue one


@dataclass(frozen=True)
class Section:
    key: str
    count: int
    rows: list[InboxRow]


@dataclass(frozen=True)
class OwnPledges:
    """A pool with pledges waiting for someone other than its treasurers: its admins' own (separation of
    duties: another admin or an official confirms them) and any, where no admin can act."""

    pool_id: int
    group: str
    count: int


@dataclass(frozen=True)
class Inbox:
    since: datetime
    first_visit: bool
    new: Section
    overdue: Section
    flagged: Section
    mine: Section
    reopened: Section
    own_pledges: list[OwnPledges]


def record_visit(session: DbSession, user: User, now: datetime, gap: timedelta) -> tuple[datetime, bool]:
    """Note this visit; returns when the visit before it began (and whether there was none).

    Opening the inbox again within `gap` is the same visit, so a reload keeps what was new.
    """
    visit = session.get(InboxVisit, user.id)
    if visit is None:
        session.add(InboxVisit(user_id=user.id, previous_at=None, current_at=now))
        session.flush()
        return now - timedelta(days=FIRST_VISIT_DAYS), True
    if now - visit.current_at > gap:
        visit.previous_at, visit.current_at = visit.current_at, now
        session.flush()
    if visit.previous_at is None:  # still the first visit: the week before it began
        return visit.current_at - timedelta(days=FIRST_VISIT_DAYS), True
    return visit.previous_at, False


def _rows(stmt: Select[tuple[int, int]], session: DbSession) -> list[InboxRow]:
    """The listed issues of a (issue id, extra) statement, in its order."""
    picked = session.execute(stmt.limit(SHOWN)).tuples().all()
    if not picked:
        return []
    extra = dict(picked)
    found = session.execute(
        select(
            Issue.id,
            Issue.title,
            Category.name,
            Status.name,
            Status.type,
            Area.name,
            Issue.created_at,
            Issue.is_hidden,
            Issue.status,
        )
        .join(Category, Category.code == Issue.category_code)
        .join(Status, Status.code == Issue.status)
        .join(Area, Area.id == Issue.area_id)
        .where(Issue.id.in_(list(extra)))
    ).tuples()
    by_id = {r[0]: InboxRow(*r, extra=int(extra[r[0]] or 0)) for r in found}
    return [by_id[i] for i, _ in picked if i in by_id]


def _count(session: DbSession, stmt: Select[tuple[int, int]]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0)


def _section(session: DbSession, key: str, stmt: Select[tuple[int, int]]) -> Section:
    return Section(key, _count(session, stmt), _rows(stmt, session))


def _is_visible() -> ColumnElement[bool]:
    """Not moderated away nor held for its reporter's confirmation: nothing for an official to triage."""
    return Issue.is_hidden == false()


def _is_open() -> ColumnElement[bool]:
    return Issue.status.in_(select(Status.code).where(Status.type == StatusType.OPEN.value))


def _reopened() -> Select[tuple[int, int]]:
    """Open problems a resident said are not fixed, with no status change by the city since: the
    resident was told "the city has been told", so the reopening waits here until an official acts."""
    reopen = (
        select(IssueEvent.issue_id, func.max(IssueEvent.created_at).label("at"))
        .where(IssueEvent.kind == EventKind.REOPEN.value)
        .group_by(IssueEvent.issue_id)
        .subquery()
    )
    changed = (
        select(IssueEvent.issue_id, func.max(IssueEvent.created_at).label("at"))
        .where(IssueEvent.kind == EventKind.STATUS.value)
        .group_by(IssueEvent.issue_id)
        .subquery()
    )
    return (
        select(Issue.id, literal(0))
        .join(reopen, reopen.c.issue_id == Issue.id)
        .outerjoin(changed, changed.c.issue_id == Issue.id)
        .where(_is_visible(), _is_open(), or_(changed.c.at.is_(None), changed.c.at < reopen.c.at))
        .order_by(reopen.c.at.desc(), Issue.id.desc())
    )


def build_inbox(
    session: DbSession,
    viewer: User,
    now: datetime,
    since: datetime,
    default_days: int,
    first_visit: bool = False,
) -> Inbox:
    require_staff(viewer)
    new = (
        select(Issue.id, literal(0))
        .where(Issue.created_at > since, _is_visible())
        .order_by(Issue.created_at.desc(), Issue.id.desc())
    )
    overdue = (
        select(Issue.id, literal(0))
        .where(_is_visible(), _is_open(), overdue_condition(session, now, default_days))
        .order_by(Issue.created_at, Issue.id)
    )
    # Hidden reports stay here: their open flags still wait in the moderators' queue (hide or dismiss).
    flagged = (
        select(Flag.issue_id, func.count(Flag.id))
        .where(Flag.status == FlagStatus.OPEN.value, Flag.issue_id.not_in(withdrawn_ids()))
        .group_by(Flag.issue_id)
        .order_by(func.count(Flag.id).desc(), Flag.issue_id)
    )
    teams = team_ids_of(session, viewer.id)
    mine_condition = Assignment.user_id == viewer.id
    if teams:
        mine_condition = or_(mine_condition, Assignment.team_id.in_(teams))
    mine = (
        select(Issue.id, literal(0))
        .join(Assignment, Assignment.issue_id == Issue.id)
        .where(mine_condition, _is_visible(), _is_open())
        .order_by(Assignment.assigned_at.desc(), Issue.id.desc())
    )
    overdue_section = _section(session, "overdue", overdue)
    waited = [replace(r, extra=(now - r.created_at).days) for r in overdue_section.rows]  # days waiting
    return Inbox(
        since=since,
        first_visit=first_visit,
        new=_section(session, "new", new),
        overdue=Section("overdue", overdue_section.count, waited),
        flagged=_section(session, "flagged", flagged),
        mine=_section(session, "mine", mine),
        reopened=_section(session, "reopened", _reopened()),
        own_pledges=_own_pledges(session),
    )


def _own_pledges(session: DbSession) -> list[OwnPledges]:
    """Pending pledges an official may have to confirm, per pool: an admin's own pledge to their group
    (found from outside: it waited for an official, and nothing on the desk led to it), and any pledge
    to a group with no other admin who can act (found from outside: a group run by officials alone
    had its pledges wait unseen)."""
    pledger_runs_it = (
        select(Membership.user_id)
        .where(
            Membership.group_id == Group.id,
            Membership.user_id == Pledge.user_id,
            Membership.is_admin.is_(True),
        )
        .exists()
    )
    other_treasurer = (
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.group_id == Group.id,
            Membership.is_admin.is_(True),
            Membership.user_id != Pledge.user_id,
            User.deleted_at.is_(None),
            User.is_blocked.is_(False),
        )
        .exists()
    )
    rows = session.execute(
        select(Pool.id, Group.name, func.count(Pledge.id))
        .join(Pool, Pool.id == Pledge.pool_id)
        .join(Group, Group.id == Pool.group_id)
        .where(Pledge.status == PledgeStatus.PENDING.value, or_(pledger_runs_it, ~other_treasurer))
        .group_by(Pool.id, Group.name)
        .order_by(Group.name)
    ).tuples()
    return [OwnPledges(pool_id, name, int(n)) for pool_id, name, n in rows]
