"""Emails to followers: status changes and reopenings of a followed issue, new issues in a followed area.

Messages go into the mail outbox in the caller's transaction (app.mail), one per event and recipient
(the key names both), and a worker sends them after the commit; an event with more recipients than
MAIL_FANOUT_INLINE is written as one fan-out row instead, whose job queues the messages (`mail_all`).
Each carries a signed, login-free unsubscribe link for exactly the follow that caused it (RFC 8058
one-click headers too).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select, update

from app.database.sessions import DbSession, execute_write
from app.mail import build_message, queue_fanout, queue_mail
from app.models import Area, Follow, Issue, IssueEvent, Status, User
from app.services.issues import follows
from app.services.issues.public_titles import public_titles
from app.services.kernel.city_time import city_day_time
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name

SALT = "commonfix-unsubscribe"
MAILED_KINDS = {"status", "reopen", "duplicate"}
STAFF_ROLES = ("official", "admin")


@dataclass(frozen=True)
class Subscription:
    """What an unsubscribe token stands for: one user's follow of one issue or one area, or (`rounds`)
    their news of the funding rounds they may vote in (`User.round_news`)."""

    user_id: int
    issue_id: int | None = None
    area_id: int | None = None
    rounds: bool = False


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(subscription: Subscription) -> str:
    payload: dict[str, int] = {"u": subscription.user_id}
    if subscription.issue_id is not None:
        payload["i"] = subscription.issue_id
    if subscription.area_id is not None:
        payload["a"] = subscription.area_id
    if subscription.rounds:
        payload["r"] = 1
    return str(_serializer().dumps(payload))


def read_unsubscribe_token(token: str) -> Subscription | None:
    """The subscription a token names, or None when it was not signed by us (or is malformed)."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    issue_id, area_id = payload.get("i"), payload.get("a")
    if payload.get("r") == 1 and issue_id is None and area_id is None:
        return Subscription(payload["u"], rounds=True)
    if (issue_id is None) == (area_id is None):
        return None
    return Subscription(payload["u"], issue_id, area_id)


def is_subscribed(session: DbSession, subscription: Subscription) -> bool:
    """Whether the follow, or the round news, the token names is still on."""
    if subscription.rounds:
        return bool(session.scalar(select(User.round_news).where(User.id == subscription.user_id)))
    return follows.is_following(
        session, subscription.user_id, issue_id=subscription.issue_id, area_id=subscription.area_id
    )


def unsubscribe(session: DbSession, subscription: Subscription) -> bool:
    """Remove the follow the token names, or turn the round news off; True when it was on (doing it
    twice is harmless)."""
    if subscription.rounds:
        turned_off = update(User).where(User.id == subscription.user_id, User.round_news.is_(True))
        return bool(execute_write(session, turned_off.values(round_news=False)).rowcount)
    stmt = delete(Follow).where(Follow.user_id == subscription.user_id)
    if subscription.issue_id is not None:
        stmt = stmt.where(Follow.issue_id == subscription.issue_id)
    else:
        stmt = stmt.where(Follow.area_id == subscription.area_id)
    return bool(execute_write(session, stmt).rowcount)


@dataclass(frozen=True)
class Recipient:
    """One mail of an event: its outbox key (event and recipient), the address, and the follow that
    causes it (its unsubscribe link); None for a backer who does not follow (a receipt for their money)."""

    key: str
    email: str
    subscription: Subscription | None
    # Why a mail that no follow causes is sent, ending "You get this email because you ...": a round's
    # eligible voters ("may vote in ..."); None for a backer ("backed this problem").
    because: str | None = None

    def to_json(self) -> list[object]:
        follow = self.subscription
        if follow is None:
            return [self.key, self.email, None, None, None, self.because]
        rounds = [self.because, True] if follow.rounds else []
        return [self.key, self.email, follow.user_id, follow.issue_id, follow.area_id, *rounds]

    @classmethod
    def from_json(cls, row: list[object]) -> Recipient:
        key, email, user_id, issue_id, area_id = row[:5]
        because = row[5] if len(row) > 5 and isinstance(row[5], str) else None
        if not isinstance(user_id, int):
            return cls(str(key), str(email), None, because)
        if len(row) > 6 and row[6] is True:
            return cls(str(key), str(email), Subscription(user_id, rounds=True), because)
        return cls(str(key), str(email), Subscription(user_id, _id(issue_id), _id(area_id)))


def _id(value: object) -> int | None:
    return value if isinstance(value, int) else None


def letter(subject: str, body: str, recipient: Recipient) -> EmailMessage:
    """The message to one recipient: the body, then why they get it (and how to stop, for a follow)."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    if recipient.subscription is None:
        because = recipient.because or "backed this problem"
        text = f"{body}\n\n-- \nYou get this email because you {because} on {site_name()}.\n"
        return build_message(to=recipient.email, subject=subject, text=text, sender=sender)
    unsubscribe_url = external_url("follows.unsubscribe", token=unsubscribe_token(recipient.subscription))
    if recipient.subscription.rounds:
        text = (
            f"{body}\n\n-- \nYou get this email because you {recipient.because} on {site_name()}.\n"
            f"Stop all emails about funding rounds: {unsubscribe_url}\n"
            "(or in your account settings, where you can turn them on again).\n"
        )
    else:
        followed = _followed(recipient.subscription)
        text = (
            f"{body}\n\n-- \nYou get this email because you follow {followed} on {site_name()}.\n"
            f"Stop these emails: {unsubscribe_url}\n"
        )
    return build_message(
        to=recipient.email, subject=subject, text=text, sender=sender, unsubscribe_url=unsubscribe_url
    )


def _followed(follow: Subscription) -> str:
    """What the follow behind a mail is of, in the words that end "because you follow ..."."""
    return "this problem" if follow.issue_id is not None else "this area"


def mail_all(session: DbSession, subject: str, body: str, recipients: list[Recipient]) -> int:
    """Queue the event's mail to each recipient in this transaction, or, past MAIL_FANOUT_INLINE of
    them, one fan-out row that a worker's "mail.fanout" job turns into the same mails after the commit
    (thousands of followers would otherwise hold the request for seconds). The number of recipients."""
    if len(recipients) <= current_app.config["MAIL_FANOUT_INLINE"]:
        for recipient in recipients:
            queue_mail(session, recipient.key, letter(subject, body, recipient))
    else:
        queue_fanout(session, subject, body, json.dumps([r.to_json() for r in recipients]))
    return len(recipients)


def _status_name(session: DbSession, code: str | None) -> str:
    if not code:
        return "unknown"
    return session.scalar(select(Status.name).where(Status.code == code)) or code


def notify_issue_event(session: DbSession, event: IssueEvent, *, city_update: bool = False) -> int:
    """Email the issue's followers (not the person who acted) about a status change or reopening, or with
    `city_update` an update the city's staff posted; only the staff among them while the issue is
    hidden."""
    mailed = event.kind in MAILED_KINDS or (city_update and event.kind == "update" and event.by_staff)
    if not mailed or not event.is_public:
        return 0
    if event.id is None:
        session.flush()  # the event's id is part of each mail's key
    issue = session.execute(
        select(Issue.id, Issue.title, Issue.area_id, Issue.place, Issue.is_hidden).where(
            Issue.id == event.issue_id
        )
    ).first()
    if issue is None:
        return 0
    followers = (
        select(User.id, User.email)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.issue_id == event.issue_id, User.is_blocked.is_(False))
    )
    if issue.is_hidden:
        # Only staff can open a hidden report: anyone else would get its title and a link to a 404.
        followers = followers.where(User.role.in_(STAFF_ROLES))
    # A merge's mail stops the mail it announces: the follow of the problem it was merged into (found
    # from outside: its link ended the closed duplicate's follow, and the original's mail kept coming).
    followed = event.related_issue_id if event.kind == "duplicate" and event.related_issue_id else issue.id
    recipients: dict[int, tuple[str, Subscription]] = {
        user_id: (email, Subscription(user_id, issue_id=followed))
        for user_id, email in session.execute(followers).tuples()
    }
    if event.kind == "reopen":
        # "Not fixed" tells the officials: staff who follow the issue's area hear about it too.
        for user_id, email in session.execute(
            select(User.id, User.email)
            .join(Follow, Follow.user_id == User.id)
            .where(
                Follow.area_id == issue.area_id,
                User.role.in_(STAFF_ROLES),
                User.is_blocked.is_(False),
            )
        ).tuples():
            recipients.setdefault(user_id, (email, Subscription(user_id, area_id=issue.area_id)))
    # A merge's mail links the problem it was merged into, which the resident now follows.
    link = external_url("issues.detail", issue_id=followed)
    old, new = _status_name(session, event.from_status), _status_name(session, event.to_status)
    if event.kind == "duplicate" and event.related_issue_id:
        original = public_titles(session, [event.related_issue_id]).get(event.related_issue_id)
        named = f" “{original}”" if original else ""
        subject = f"“{issue.title}” was merged into problem #{event.related_issue_id}"
        lead = (
            f"Problem #{issue.id} “{issue.title}” was closed as a duplicate of problem "
            f"#{event.related_issue_id}{named}; you now follow that one instead."
        )
    elif event.kind == "update":
        # Found from outside: the city's questions and answers on a problem reached nobody by mail.
        subject = f"Update from the city: “{issue.title}”"
        lead = f"The city posted an update on problem #{issue.id} “{issue.title}”."
    elif event.kind == "reopen":
        subject = f"Reopened: “{issue.title}” is not fixed"
        lead = f"A resident reported that problem #{issue.id} “{issue.title}” is not fixed; it is open again."
    else:
        subject = f"“{issue.title}” is now {new}"
        lead = f"Problem #{issue.id} “{issue.title}” changed from {old} to {new}."
    # Found from outside: a resident's "not fixed" words came labelled as the city's.
    said_by = "Note from the city" if event.by_staff else "What the resident wrote"
    note = f"\n\n{said_by}:\n{event.note}" if event.note else ""
    # When, in the city's zone: two changes on one day ("in progress" at 09:00, "fixed" at 16:00)
    # differ by their time, and a mail may arrive long after the change (a fan-out, a retry).
    when = f"\nWhen: {city_day_time(event.created_at)}"
    where = f"\nWhere: {issue.place}" if issue.place else ""
    see = "See the problem it was merged into" if followed != issue.id else "See the problem and its timeline"
    body = f"{lead}{when}{where}{note}\n\n{see}: {link}"
    mails = [
        Recipient(f"issue-event:{event.id}:to:{user_id}", *recipients[user_id])
        for user_id in sorted(recipients)
        if user_id != event.actor_id
    ]
    return mail_all(session, subject, body, mails)


def notify_new_issue(session: DbSession, issue_id: int) -> int:
    """Email the followers of the issue's area (not its reporter) about a newly reported problem."""
    row = session.execute(
        select(
            Issue.id, Issue.title, Issue.description, Issue.area_id, Issue.reporter_id, Area.name, Issue.place
        )
        .join(Area, Area.id == Issue.area_id)
        .where(Issue.id == issue_id)
    ).first()
    if row is None:
        return 0
    followers = session.execute(
        select(User.id, User.email)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.area_id == row.area_id, User.is_blocked.is_(False))
        .order_by(User.id)
    ).all()
    link = external_url("issues.detail", issue_id=row.id)
    subject = f"New problem in {row.name}: {row.title}"
    where = f"Where: {row.place}\n" if row.place else ""
    body = (
        f"A new problem was reported in {row.name}:\n\n"
        f"{row.title}\n{where}{row.description}\n\nSee it: {link}"
    )
    mails = [
        Recipient(f"new-issue:{row.id}:to:{user_id}", email, Subscription(user_id, area_id=row.area_id))
        for user_id, email in followers
        if user_id != row.reporter_id
    ]
    return mail_all(session, subject, body, mails)
