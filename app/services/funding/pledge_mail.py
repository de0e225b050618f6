"""The pledger's mail when a treasurer confirms or declines their pledge: the group page only showed a
badge, so a resident who had paid learned it by chance (found from outside: first for a decline, then
for a confirmation, the receipt a resident who handed over money waits for)."""

from __future__ import annotations

from flask import current_app

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import Group, Pledge, Pool, User
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
from budgets.money import format_money


def notify_confirmed(session: DbSession, pledge: Pledge, actor: User) -> None:
    """Queue the confirmed pledge's receipt to its pledger (once per pledge), saying who confirmed it."""
    found = _pledger_and_pool(session, pledge)
    if found is None:
        return
    user, pool, name = found
    amount = format_money(pledge.amount_cents, pool.currency)
    who = "A city official" if actor.is_staff else f"The treasurer of {name}"
    text = (
        f"{who} confirmed that your pledge of {amount} of {city_day_time(pledge.created_at)} arrived: it "
        f"is in {name}'s pool now, for the problems the group's rounds choose.\n\n"
        f"The pool, its rounds and where its money went: {external_url('groups.pool', pool_id=pool.id)}\n"
    )
    _queue(session, user, f"pledge:{pledge.id}:confirmed", f"Your pledge of {amount} to {name} arrived", text)


def notify_declined(session: DbSession, pledge: Pledge, actor: User) -> None:
    """Queue the declined pledge's mail to its pledger (once per pledge: the outbox key names it), saying
    who declined: a treasurer's own pledge is declined by a city official."""
    found = _pledger_and_pool(session, pledge)
    if found is None:
        return
    user, pool, name = found
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
    _queue(
        session, user, f"pledge:{pledge.id}:declined", f"Your pledge of {amount} to {name} was declined", text
    )


def _pledger_and_pool(session: DbSession, pledge: Pledge) -> tuple[User, Pool, str] | None:
    """The pledger (None once their account is deleted), the pool and its group's name."""
    user = session.get(User, pledge.user_id)
    pool = session.get(Pool, pledge.pool_id)
    if user is None or user.deleted_at is not None or pool is None:
        return None
    group = session.get(Group, pool.group_id)
    return user, pool, group.name if group is not None else "the group"


def _queue(session: DbSession, user: User, key: str, subject: str, text: str) -> None:
    message = build_message(
        to=user.email, subject=subject, text=text, sender=current_app.config["MAIL_DEFAULT_SENDER"]
    )
    queue_mail(session, key, message)
