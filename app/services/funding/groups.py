"""Neighbourhood groups: creation with their pool, joining and leaving, listing, who runs a group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, delete, func, select, update

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.models import Area, AuditEntry, Group, Membership, Pool, User
from app.services.issues.money import CITY_CURRENCY
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.roles import require_confirmed, require_not_blocked, require_staff
from app.services.kernel.text import clean_text
from budgets.money import format_money

NAME_MAX = 120


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    description: str
    area_id: int
    area_name: str
    pool_id: int
    members: int
    currency: str  # the pool's


def create_group(
    session: DbSession,
    official: User | None,
    area_id: int,
    name: object,
    *,
    currency: str = CITY_CURRENCY,
    max_pledge_cents: int = 50_000,
    description: str = "",
) -> Group:
    """A group for an area, with its (open) pool. Only officials and admins whose account is not
    blocked create groups (`official` None: the CLI and the demo loader)."""
    if official is not None:
        require_staff(official, "Only city officials can create neighbourhood groups.")
    clean = " ".join(clean_text(name, "name", "Name", 10 * NAME_MAX).split())
    if len(clean) > NAME_MAX:
        raise ValidationError(f"Name must be at most {NAME_MAX} characters.", "name")
    if session.scalar(select(Area.id).where(Area.id == area_id)) is None:
        raise ValidationError(f"There is no area {area_id}.", "area_id")
    if currency != CITY_CURRENCY:
        # Found from outside: a SEK pool's round funded a problem estimated and backed in euros, and
        # the two currencies were added together. Costs, backings and the city's match are all in
        # the city's currency, so a pool is too.
        raise ValidationError(
            f"A pool's currency is the city's, {CITY_CURRENCY}: problems' costs, backings and the city's "
            "match are in it.",
            "currency",
        )
    if type(max_pledge_cents) is not int or max_pledge_cents < 100:
        least = format_money(100, currency)
        raise ValidationError(f"The largest pledge must be at least {least}.", "max_pledge_cents")
    if session.scalar(select(Group.id).where(func.lower(Group.name) == clean.lower())) is not None:
        raise Conflict(f"A group called {clean!r} already exists.", "name")
    group = Group(
        area_id=area_id,
        name=clean,
        description=clean_text(description, "description", "Description", 10_000, required=False)[:500],
        created_by_id=official.id if official else None,
    )
    session.add(group)
    session.flush()
    session.add(Pool(group_id=group.id, currency=currency, max_pledge_cents=max_pledge_cents))
    session.flush()
    return group


def area_id_by_name(session: DbSession, area_name: str) -> int:
    found = session.scalar(select(Area.id).where(func.lower(Area.name) == area_name.strip().lower()))
    if found is None:
        raise ValidationError(f"There is no area called {area_name!r}.", "area")
    return found


def _members_count() -> ScalarSelect[int]:
    return (
        select(func.count(Membership.id))
        .where(Membership.group_id == Group.id)
        .correlate(Group)
        .scalar_subquery()
    )


def _rows_query() -> Select[tuple[int, str, str, int, str, int, int, str]]:
    return (
        select(
            Group.id,
            Group.name,
            Group.description,
            Area.id,
            Area.name,
            Pool.id,
            _members_count(),
            Pool.currency,
        )
        .join(Area, Area.id == Group.area_id)
        .join(Pool, Pool.group_id == Group.id)
    )


def list_groups(session: DbSession) -> list[GroupRow]:
    rows = session.execute(_rows_query().order_by(Area.name, Group.name)).tuples()
    return [GroupRow(*row) for row in rows]


def get_group_row(session: DbSession, group_id: int) -> GroupRow:
    row = session.execute(_rows_query().where(Group.id == group_id)).tuples().first()
    if row is None:
        raise NotFound(f"There is no group {group_id}.", "group_id")
    return GroupRow(*row)


def group_of_pool(session: DbSession, pool_id: int) -> int:
    group_id = session.scalar(select(Pool.group_id).where(Pool.id == pool_id))
    if group_id is None:
        raise NotFound(f"There is no pool {pool_id}.", "pool_id")
    return group_id


def _require_group(session: DbSession, group_id: int) -> None:
    if session.scalar(select(Group.id).where(Group.id == group_id)) is None:
        raise NotFound(f"There is no group {group_id}.", "group_id")


def join(session: DbSession, user: User, group_id: int, *, as_admin: bool = False) -> bool:
    """Make the resident a member; joining twice changes nothing. True if they were not a member."""
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot join groups.")
    require_confirmed(user)
    _require_group(session, group_id)
    values = {"group_id": group_id, "user_id": user.id, "is_admin": as_admin}
    return bool(execute_write(session, insert_ignoring_duplicates(session, Membership, **values)).rowcount)


def leave(session: DbSession, user: User, group_id: int) -> bool:
    """End the membership; leaving a group one is not in changes nothing. Pledges stay in the pool.

    Audited (`group.leave`): a ballot counts only while its voter is a member, so a round's result
    tells a member who left before its tally that their ballot did not count (found from outside: it
    said none of their choices could be funded)."""
    _require_group(session, group_id)
    removed = execute_write(
        session, delete(Membership).where(Membership.group_id == group_id, Membership.user_id == user.id)
    ).rowcount
    if removed:
        name = session.scalar(select(Group.name).where(Group.id == group_id))
        audit.record(session, user, "group.leave", "group", group_id, group=name)
    return bool(removed)


def left_at(session: DbSession, user_id: int, group_id: int) -> datetime | None:
    """When the resident last left the group (None: never, as far as the audit log goes)."""
    return session.scalar(
        select(func.max(AuditEntry.created_at)).where(
            AuditEntry.action == "group.leave",
            AuditEntry.actor_id == user_id,
            AuditEntry.target_type == "group",
            AuditEntry.target_id == str(group_id),
        )
    )


def is_sole_admin(session: DbSession, user_id: int, group_id: int) -> bool:
    """The resident is the group's only admin while it has other members: if they left, nobody would
    confirm its pledges or run its rounds until a city official makes another member admin."""
    found = membership(session, user_id, group_id)
    if found is None or not found.is_admin:
        return False
    others = select(Membership.id).where(Membership.group_id == group_id, Membership.user_id != user_id)
    other_admins = others.where(Membership.is_admin.is_(True))
    return session.scalar(others.limit(1)) is not None and session.scalar(other_admins.limit(1)) is None


def groups_of_member(session: DbSession, user_id: int) -> set[int]:
    """The ids of the groups the resident belongs to."""
    return set(session.scalars(select(Membership.group_id).where(Membership.user_id == user_id)))


def membership(session: DbSession, user_id: int, group_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.user_id == user_id)
    )


def pledge_confirmer(session: DbSession, group_id: int, user_id: int) -> str | None:
    """Who confirms this resident's pledge when it is not simply the group's treasurer: for one of its
    admins, who may not confirm their own, "another admin (A, B) or a city official"; "a city official"
    when no treasurer can act (all blocked: found from outside, members were still told to hand the
    money to the treasurer). None for a member of a group with a treasurer who can act."""
    found = membership(session, user_id, group_id)
    others = treasurers(session, group_id, besides=user_id)
    if found is not None and found.is_admin and others:
        return f"another admin ({', '.join(others)}) or a city official"
    if (found is not None and found.is_admin) or not others:
        return "a city official"
    return None


def treasurers(session: DbSession, group_id: int, *, besides: int | None = None) -> list[str]:
    """The display names of the group's admins who can act, who confirm pledges as its treasurers (but the
    account `besides`: a treasurer's own pledge is confirmed by another; names may be alike, ids are
    not). A blocked admin is left out (found from outside: residents were told to pay one)."""
    return [user.display_name for user in treasurer_accounts(session, group_id, besides=besides)]


def treasurer_accounts(session: DbSession, group_id: int, *, besides: int | None = None) -> list[User]:
    """The accounts `treasurers` names, in the same order."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.group_id == group_id,
            Membership.is_admin.is_(True),
            User.deleted_at.is_(None),
            User.is_blocked.is_(False),
        )
        .order_by(Membership.joined_at, User.id)
    )
    if besides is not None:
        query = query.where(User.id != besides)
    return list(session.scalars(query))


def runs_group(session: DbSession, user: User, group_id: int) -> bool:
    """Officials and admins run every group; residents run the groups where they are admins."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    found = membership(session, user.id, group_id)
    return bool(found and found.is_admin)


def require_runs_group(session: DbSession, user: User, group_id: int) -> None:
    """A group admin of this group, or an official; a blocked account confirms and opens nothing."""
    if not runs_group(session, user, group_id):
        raise PermissionDenied("Only the group's admins and city officials can do this.")
    require_not_blocked(user)


def set_pool_open(session: DbSession, actor: User, pool_id: int, is_open: object) -> None:
    """Open or close a pool to new pledges (group admins and officials); pledged money is unaffected.

    Who asks is checked before what they sent: to anyone else a pool's state is a 403 whatever the form."""
    group_id = group_of_pool(session, pool_id)
    require_runs_group(session, actor, group_id)
    if not isinstance(is_open, bool):
        raise ValidationError("is_open must be 1 (open) or 0 (closed).", "is_open")
    changed = execute_write(
        session, update(Pool).where(Pool.id == pool_id, Pool.is_open != is_open).values(is_open=is_open)
    ).rowcount
    if changed:  # opening an open pool (a form sent twice) changes and records nothing
        action = "pool.open" if is_open else "pool.close"
        audit.record(session, actor, action, "pool", pool_id, group_id=group_id)
        session.flush()


PAYMENT_DETAILS_MAX = 300


def set_payment_details(session: DbSession, actor: User, pool_id: int, details: object) -> bool:
    """Say where residents send what they pledge to a pool (group admins and officials); "" says
    nothing more than the general instructions. Returns whether it changed (a form sent twice does not)."""
    group_id = group_of_pool(session, pool_id)
    require_runs_group(session, actor, group_id)
    text = clean_text(details, "payment_details", "Payment details", PAYMENT_DETAILS_MAX, required=False)
    changed = execute_write(
        session,
        update(Pool).where(Pool.id == pool_id, Pool.payment_details != text).values(payment_details=text),
    ).rowcount
    if changed:
        audit.record(session, actor, "pool.payment_details", "pool", pool_id, group_id=group_id, details=text)
        session.flush()
    return bool(changed)
