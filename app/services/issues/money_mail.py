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

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Backing, Follow, Issue, IssueEvent, OutgoingMail, Status, User
from app.models.backing import BackingStatus
from app.models.place import StatusType
from app.services.issues.money import IssueMoney, currency_of, money_of
from app.services.issues.notifications import STAFF_ROLES, Recipient, Subscription, mail_all
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
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
    session: DbSession, issue_id: int, event: str, subject: str, lead: str, actor_id: int | None
) -> int:
    """Queue the event's mail to every backer and follower (not the actor); the number queued."""
    issue = session.execute(select(Issue.title, Issue.is_hidden).where(Issue.id == issue_id)).first()
    if issue is None:
        return 0
    money = money_of(session, issue_id)
    link = external_url("issues.detail", issue_id=issue_id)
    body = f"{lead}\n\n{_figures(money)}\n\nSee every payment on the problem's page: {link}"
    mails = [
        Recipient(
            f"issue-money:{issue_id}:{event}:to:{user_id}",
            email,
            Subscription(user_id, issue_id=issue_id) if follows else None,
        )
        for user_id, (email, follows) in sorted(recipients(session, issue_id, issue.is_hidden).items())
        if user_id != actor_id
    ]
    return mail_all(session, subject.format(title=issue.title), body, mails)


def notify_funded(session: DbSession, issue_id: int, actor_id: int | None) -> int:
    """The funded mail, once per recipient (its event key): the amount is everything committed so far,
    so a problem funded by a round and by its backers in one certification is announced once, whole."""
    amount = format_money(money_of(session, issue_id).committed_cents, currency_of(session, issue_id))
    lead = f"Problem #{issue_id} is funded: {amount} is now committed to fixing it."
    return notify(session, issue_id, "funded", "Funded: “{title}”", lead, actor_id)


def notify_paid(
    session: DbSession, issue_id: int, payout_id: int, paid_to: str, cents: int, actor_id: int | None
) -> int:
    amount = format_money(cents, currency_of(session, issue_id))
    lead = f"The city paid {amount} to {paid_to} for the fix of problem #{issue_id}."
    return notify(session, issue_id, f"paid-{payout_id}", "Paid: “{title}”", lead, actor_id)


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
