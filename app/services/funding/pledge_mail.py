"""The pledger's mail when a treasurer declines their pledge: the group page only showed a badge, so a
resident who had paid learned it by chance (found from outside)."""

from __future__ import annotations

from flask import current_app

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import Group, Pledge, Pool, User
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
from budgets.money import format_money


def notify_declined(session: DbSession, pledge: Pledge, actor: User) -> None:
    """Queue the declined pledge's mail to its pledger (once per pledge: the outbox key names it), saying
    who declined: a treasurer's own pledge is declined by a city official."""
    user = session.get(User, pledge.user_id)
    pool = session.get(Pool, pledge.pool_id)
    if user is None or user.deleted_at is not None or pool is None:
        return
    group = session.get(Group, pool.group_id)
    name = group.name if group is not None else "the group"
    amount = format_money(pledge.amount_cents, pool.currency)
    who = "A city official" if actor.is_staff else f"The treasurer of {name}"
    tell = "tell a city official" if actor.is_staff else "tell the treasurer"  # a treasurer's own: not them
    text = (
        f"{who} declined your pledge of {amount} of {city_day_time(pledge.created_at)}: "
        "the money did not arrive in the group's account. Nothing was added to the pool, and nothing was "
        "taken from you on Commonfix.\n\n"
        f"If you did pay, {tell} (the pool page names the treasurer and says how to pay); you can pledge "
        "again there: "
        f"{external_url('groups.pool', pool_id=pool.id)}\n"
    )
    queue_mail(
        session,
        f"pledge:{pledge.id}:declined",
        build_message(
            to=user.email,
            subject=f"Your pledge of {amount} to {name} was declined",
            text=text,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
        ),
    )
