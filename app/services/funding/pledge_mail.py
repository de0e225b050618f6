"""The mails of a pledge: how to pay it, to its pledger, and that it waits, to the treasurers who confirm
it; when a treasurer confirms or declines it, to its pledger (the group page only showed a badge, so a
resident who had paid learned it by chance: found from outside, first for a decline, then for a
confirmation, the receipt a resident who handed over money waits for)."""

from __future__ import annotations

from dataclasses import dataclass

from app.database.sessions import DbSession
from app.mail import queue_text
from app.models import Group, Pledge, Pool, User
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name
from budgets.money import format_money


# Why the mail came, as the other mails end (found from outside: these two had no such line, and the
# decline sent the pledger to the pool page, which takes no pledge).
def footer() -> str:
    return f"\n-- \nYou get this email because you pledged money to a neighbourhood pool on {site_name()}.\n"


def _pool_words(session: DbSession, pledge: Pledge) -> tuple[Pool, str, str] | None:
    """The pledge's pool, its group's name and the amount in the pool's currency (None: no pool)."""
    pool = session.get(Pool, pledge.pool_id)
    if pool is None:
        return None
    group = session.get(Group, pool.group_id)
    name = group.name if group is not None else "the group"
    return pool, name, format_money(pledge.amount_cents, pool.currency)


def notify_waiting(session: DbSession, pledge: Pledge, user: User, instructions: str) -> None:
    """Queue a new pledge's how-to-pay mail to its pledger: what to pay, where, and the reference to quote
    (found from outside: they showed only in a message gone once the page reloaded, so a resident on a
    phone who left the page had no record of them; a backing has had such a mail)."""
    found = _pool_words(session, pledge)
    if found is None:
        return
    pool, name, amount = found
    where = f"Where to pay: {pool.payment_details.strip()}\n" if pool.payment_details else ""
    text = (
        f"You pledged {amount} to the pool of {name}. {instructions}\n\n"
        f"{where}With a transfer, quote “pledge {pledge.id}”: the treasurer's list names it so.\n\n"
        f"Until it is confirmed you can withdraw it, on the group's page or on My {site_name()}: "
        f"{external_url('groups.detail', group_id=pool.group_id)}\n"
        f"{footer()}"
    )
    queue_text(
        session, f"pledge:{pledge.id}:waiting", user.email, f"How to pay your pledge of {amount}", text
    )


def notify_treasurers(session: DbSession, pledge: Pledge, pledger: User, treasurers: list[User]) -> None:
    """Queue a mail to each treasurer who may confirm a new pledge (found from outside: pledges sat
    pending unless the treasurer happened to look at the page)."""
    found = _pool_words(session, pledge)
    if found is None:
        return
    pool, name, amount = found
    page = external_url("groups.treasurer", pool_id=pool.id)
    for treasurer in treasurers:
        text = (
            f"{pledger.display_name} pledged {amount} to the pool of {name} (pledge {pledge.id}).\n\n"
            "Once the money is in the group's account, confirm it; if it never arrives, decline it. "
            f"Both on the treasurer's page: {page}\n"
            f"\n-- \nYou get this email because you are a treasurer of {name} on {site_name()}.\n"
        )
        subject = f"A pledge of {amount} to {name} waits for you"
        queue_text(session, f"pledge:{pledge.id}:treasurer:{treasurer.id}", treasurer.email, subject, text)


def notify_confirmed(session: DbSession, pledge: Pledge, actor: User) -> None:
    """Queue the confirmed pledge's receipt to its pledger (once per pledge), saying who confirmed it."""
    told = _telling(session, pledge, actor)
    if told is None:
        return
    text = (
        f"{told.who} confirmed that your pledge of {told.amount}, made on "
        f"{city_day_time(pledge.created_at)}, arrived: it is in the pool of {told.group} now, for the "
        "problems the group's rounds choose.\n\n"
        f"The pool and where its money went: {told.pool_url}\n"
        f"{footer()}"
    )
    subject = f"Your pledge of {told.amount} to {told.group} arrived"
    queue_text(session, f"pledge:{pledge.id}:confirmed", told.to, subject, text)


def notify_declined(session: DbSession, pledge: Pledge, actor: User) -> None:
    """Queue the declined pledge's mail to its pledger (once per pledge: the outbox key names it), saying
    who declined: a treasurer's own pledge is declined by a city official."""
    told = _telling(session, pledge, actor)
    if told is None:
        return
    tell = "tell a city official" if actor.is_staff else "tell the treasurer"  # a treasurer's own: not them
    text = (
        f"{told.who} declined your pledge of {told.amount}, made on {city_day_time(pledge.created_at)}: "
        "the money did not arrive in the group's account. Nothing was added to the pool, and nothing was "
        f"taken from you on {site_name()}.\n\n"
        f"If you did pay, {tell} (the pool page names the treasurer and says how to pay: {told.pool_url}); "
        f"you can pledge again on the group's page: {told.group_url}\n"
        f"{footer()}"
    )
    subject = f"Your pledge of {told.amount} to {told.group} was declined"
    queue_text(session, f"pledge:{pledge.id}:declined", told.to, subject, text)


@dataclass(frozen=True)
class _Telling:
    to: str  # the pledger's address
    group: str
    amount: str
    who: str  # who settled it: the treasurer, or an official (a treasurer's own pledge)
    pool_url: str
    group_url: str


def _telling(session: DbSession, pledge: Pledge, actor: User) -> _Telling | None:
    """What both mails say of the pledge; None once the pledger's account is deleted."""
    user = session.get(User, pledge.user_id)
    pool = session.get(Pool, pledge.pool_id)
    if user is None or user.deleted_at is not None or pool is None:
        return None
    group = session.get(Group, pool.group_id)
    name = group.name if group is not None else "the group"
    return _Telling(
        to=user.email,
        group=name,
        amount=format_money(pledge.amount_cents, pool.currency),
        who="A city official" if actor.is_staff else f"The treasurer of {name}",
        pool_url=external_url("groups.pool", pool_id=pool.id),
        group_url=external_url("groups.detail", group_id=pool.group_id),
    )
