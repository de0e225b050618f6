"""Who runs a neighbourhood group: the city appoints members as its admins, and removes them.

A group's admins are its treasurers (they confirm pledges, open and close the pool) and run its rounds'
pledging and phases; they never certify (issue 19). The city decides who handles a neighbourhood's
money, so officials and admins appoint and remove them, by the member's account: a resident joins
the group first. Each change is audited. Officials run every group whether or not it has admins.
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.models import Membership, User
from app.services.funding.groups import get_group_row, membership
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, NotFound
from app.services.kernel.roles import require_staff


def set_group_admin(session: DbSession, actor: User, group_id: int, user_id: int, is_admin: bool) -> User:
    """Make a member one of the group's admins (`is_admin`) or no longer one; flush and audit a change;
    the member's account.

    Setting what already holds changes nothing and audits nothing. Not a member: 404 on `user_id`; a
    blocked or deleted account cannot be appointed: 409.
    """
    require_staff(actor, "Only city officials and admins appoint or remove a group's admins.")
    name = get_group_row(session, group_id).name  # 404 for a group that does not exist
    found = membership(session, user_id, group_id)
    member = session.get(User, user_id)
    if found is None or member is None:
        raise NotFound(
            f"Account {user_id} is not a member of {name}: a resident joins the group before running it.",
            "user_id",
        )
    if is_admin and (member.is_blocked or member.deleted_at is not None):
        raise Conflict("A blocked or deleted account cannot run a group.", "user_id")
    if found.is_admin != is_admin:
        found.is_admin = is_admin
        session.flush()
        action = "group.admin_appoint" if is_admin else "group.admin_remove"
        audit.record(session, actor, action, "group", group_id, group=name, member=member.display_name)
    return member


def member_by_email(session: DbSession, group_id: int, email: str) -> int:
    """The account id of the group's member with this email (the officials' form names them so)."""
    found = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id, func.lower(User.email) == email.strip().lower())
    )
    if found is None:
        raise NotFound(f"No member of this group has the address {email.strip()}.", "email")
    return found


def group_admins(session: DbSession, group_id: int) -> list[tuple[int, str, str]]:
    """(account id, display name, email) of the group's admins, longest serving first."""
    return [
        (user_id, name, email)
        for user_id, name, email in session.execute(
            select(User.id, User.display_name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group_id, Membership.is_admin.is_(True), User.deleted_at.is_(None))
            .order_by(Membership.joined_at, User.id)
        ).tuples()
    ]
