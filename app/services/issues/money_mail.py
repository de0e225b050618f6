"""Mail to a funded problem's backers and followers as its money moves: funded, started, paid, fixed.

One message per (issue, event, recipient): the outbox key `issue-money:<issue>:<event>:to:<user>`
(a payout's event is `paid-<payout id>`), so a retried request mails nobody twice. The start and the
fix are announced this way once; a later start (after going back to planned) or fix (after "not
fixed") is an ordinary status change, mailed to the followers by the workflow (found from outside: the
second one mailed nobody, so followers' last mail said "planned" while the page said "in progress").
Followers get the signed unsubscribe link of their follow; backers who do not follow get the mail as
a receipt for their money. Whoever acted is not mailed. While the problem is hidden only the staff
among them are mailed, as for its status mail (found from outside: a hidden problem's title went to
its followers and backers with a payout and its fix, with a link to a 404).
"""

from __future__ import annotations

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.mail import queue_mail
from app.models import Backing, Follow, Group, Issue, IssueEvent, OutgoingMail, Pool, Status, User
from app.models.backing import BackingStatus
from app.models.place import StatusType
from app.services.issues.money import IssueMoney, currency_of, money_of
from app.services.issues.notifications import STAFF_ROLES, Recipient, Subscription, letter, mail_all
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
from budgets.accounts import RESIDENT_PREFIX, pool_of_account
from budgets.money import format_money

STARTED_STATUS = "in-progress"


def recipients(session: DbSession, issue_id: int, staff_only: bool = False) -> dict[int, tuple[str, bool]]:
    """user id -> (email, follows): the issue's followers and its committed backers, not blocked (only
    the staff among them with `staff_only`)."""
    found: dict[int, tuple[str, bool]] = {}
    who = [User.is_blocked.is_(False), *([User.role.in_(STAFF_ROLES)] if staff_only else [])]
    for user_id, email in session.execute(
        select(User.id, User.email)
        .join(Backing, Backing.user_id == User.id)
        .where(Backing.issue_id == issue_id, Backing.status == BackingStatus.COMMITTED.value, *who)
    ).tuples():
        found[user_id] = (email, False)
    for user_id, email in session.execute(
        select(User.id, User.email)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.issue_id == issue_id, *who)
    ).tuples():
        found[user_id] = (email, True)
    return found


def _figures(money: IssueMoney) -> str:
    cur = money.currency
    lines = [
        f"Committed to the fix: {format_money(money.committed_cents, cur)}",
        f"Paid so far: {format_money(money.paid_cents, cur)}",
    ]
    if money.returned_cents:
        lines.append(f"Returned unspent: {format_money(money.returned_cents, cur)}")
    lines.append(f"Still to pay: {format_money(money.remaining_cents, cur)}")
    return "\n".join(lines)


def notify(
    session: DbSession,
    issue_id: int,
    event: str,
    subject: str,
    lead: str,
    actor_id: int | None,
    personal: dict[int, str] | None = None,
) -> int:
    """Queue the event's mail to every backer and follower (not the actor); the number queued.

    `personal` adds, for some recipients (user id -> words), a paragraph of their own after the lead:
    theirs are queued one by one, the others' together (a fan-out past MAIL_FANOUT_INLINE)."""
    issue = session.execute(select(Issue.title, Issue.is_hidden).where(Issue.id == issue_id)).first()
    if issue is None:
        return 0
    money = money_of(session, issue_id)
    link = external_url("issues.detail", issue_id=issue_id)
    tail = f"{_figures(money)}\n\nSee every payment on the problem's page: {link}"
    own = personal or {}
    mails: list[Recipient] = []
    queued = 0
    for user_id, (email, follows) in sorted(recipients(session, issue_id, issue.is_hidden).items()):
        if user_id == actor_id:
            continue
        recipient = Recipient(
            f"issue-money:{issue_id}:{event}:to:{user_id}",
            email,
            Subscription(user_id, issue_id=issue_id) if follows else None,
        )
        if user_id in own:
            body = f"{lead}\n\n{own[user_id]}\n\n{tail}"
            queued += queue_mail(
                session, recipient.key, letter(subject.format(title=issue.title), body, recipient)
            )
        else:
            mails.append(recipient)
    return queued + mail_all(session, subject.format(title=issue.title), f"{lead}\n\n{tail}", mails)


def notify_funded(session: DbSession, issue_id: int, actor_id: int | None) -> int:
    """The funded mail, once per recipient (its event key): the amount is everything committed so far,
    so a problem funded by a round and by its backers in one certification is announced once, whole.
    `actor_id` is not mailed: the official who acted, or the backer whose receipt already says it."""
    currency = currency_of(session, issue_id)
    amount = format_money(money_of(session, issue_id).committed_cents, currency)
    lead = f"Problem #{issue_id} is funded: {amount} is now committed to fixing it."
    # Each backer reads their own part of it (found from outside: the mail named only the total).
    mine = session.execute(
        select(Backing.user_id, func.sum(Backing.amount_cents))
        .where(Backing.issue_id == issue_id, Backing.status == BackingStatus.COMMITTED.value)
        .group_by(Backing.user_id)
    ).tuples()
    personal = {
        int(user_id): f"Your backing of {format_money(int(cents), currency)} is part of it."
        for user_id, cents in mine
        if user_id is not None
    }
    return notify(session, issue_id, "funded", "Funded: “{title}”", lead, actor_id, personal)


def notify_paid(
    session: DbSession, issue_id: int, payout_id: int, paid_to: str, cents: int, actor_id: int | None
) -> int:
    amount = format_money(cents, currency_of(session, issue_id))
    lead = f"The city paid {amount} to {paid_to} for the fix of problem #{issue_id}."
    return notify(session, issue_id, f"paid-{payout_id}", "Paid: “{title}”", lead, actor_id)


def notify_returned(
    session: DbSession,
    issue_id: int,
    posting_id: int,
    parts: list[tuple[str, int]],
    at_the_cashier: set[int],
    actor_id: int | None,
) -> int:
    """The return of what the fix did not cost (`parts`: account, cents; `posting_id` its first
    posting): everyone hears the sum and where it went; a backer whose own part came back to them
    hears their part, and those who paid at the city's cashier (user ids) that it pays it back
    (found from outside: the ledger gave backers their parts and told nobody)."""
    currency = currency_of(session, issue_id)
    total = format_money(sum(cents for _a, cents in parts), currency)
    where = _where_to(session, parts, currency)
    lead = (
        f"The fix of problem #{issue_id} did not cost all the money committed to it: {total} was not "
        f"spent and went back where it came from, in proportion to what each gave: {where}."
    )
    account_page = external_url("account.home") + "#money"
    cashier = (
        f" The city's cashier pays it back to you; your account page shows it until then: {account_page}"
    )
    personal = {}
    for account, cents in parts:
        if account.startswith(RESIDENT_PREFIX):
            user_id = int(account.removeprefix(RESIDENT_PREFIX))
            personal[user_id] = (
                f"{format_money(cents, currency)} of it is yours, your share of what you backed."
                + (cashier if user_id in at_the_cashier else "")
            )
    subject = "Unspent money returned: “{title}”"
    return notify(session, issue_id, f"returned-{posting_id}", subject, lead, actor_id, personal)


def _where_to(session: DbSession, parts: list[tuple[str, int]], currency: str) -> str:
    """Where a return's parts went, in words: each pool by its group, the backers, the city."""
    pools: dict[int, int] = {}
    backers = city = 0
    for account, cents in parts:
        pool_id = pool_of_account(account)
        if pool_id is not None:
            pools[pool_id] = pools.get(pool_id, 0) + cents
        elif account.startswith(RESIDENT_PREFIX):
            backers += cents
        else:
            city += cents
    groups = dict(
        session.execute(
            select(Pool.id, Group.name).join(Group, Group.id == Pool.group_id).where(Pool.id.in_(pools))
        )
        .tuples()
        .all()
    )
    words = [
        f"{format_money(c, currency)} to the pool of {groups.get(p, 'a group')}"
        for p, c in sorted(pools.items())
    ]
    if backers:
        words.append(f"{format_money(backers, currency)} to the residents who backed it")
    if city:
        words.append(f"{format_money(city, currency)} of the city's match to the city")
    return "; ".join(words)


def notify_status_event(session: DbSession, event: IssueEvent) -> bool:
    """For a funded problem, its start (in progress) and its fix mail backers and followers with the money
    figures; True when this event was such a step (the workflow's own status mail is then not sent)."""
    if event.kind != "status" or not event.is_public or not event.to_status:
        return False
    if event.to_status == STARTED_STATUS:
        step, subject, words = "started", "Work started: “{title}”", "Work on problem #{i} has started."
    elif session.scalar(select(Status.type).where(Status.code == event.to_status)) == StatusType.FIXED:
        step, subject, words = "fixed", "Fixed: “{title}”", "Problem #{i} is fixed."
    else:
        return False
    money = money_of(session, event.issue_id)
    if not money.funded or _announced(session, event.issue_id, step):
        return False
    note = f"\n\nNote from the city:\n{event.note}" if event.note else ""
    lead = f"{words.format(i=event.issue_id)}\nWhen: {city_day_time(event.created_at)}{note}"
    notify(session, event.issue_id, step, subject, lead, event.actor_id)
    return True


def _announced(session: DbSession, issue_id: int, step: str) -> bool:
    """Whether this step's money mail was queued for the problem already (to anyone)."""
    prefix = f"issue-money:{issue_id}:{step}:to:"
    return (
        session.scalar(select(OutgoingMail.id).where(OutgoingMail.event_key.startswith(prefix)).limit(1))
        is not None
    )
