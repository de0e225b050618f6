"""The copies of mail Commonfix keeps for an account: what "Download my data" gives and deletion removes.

The outbox keeps each message whole (`OutgoingMail.message`), addressed to an address, not to an
account. An account's mail is therefore the mail to every address it has had (its address now and
the ones it changed from or back to, which the audit log's address changes name), each while it was
the account's: from when the account took the address (registering with it, or changing to it)
until another account took it. Found from outside: whoever registered an address an account had
moved away from was given that account's mail to it (its name, its new address, its undo link),
and the account lost it. An address it only asked to change to, and never confirmed, holds one mail
of its own: the link to confirm it (event key `email-change:<user id>:...`, sent before the address
was the account's, so counted by its key).

Links that carry a key (confirming an address, undoing a change, resetting a password, leaving a
list) are left out of the copies' text: whoever is logged in can download them, and a live link to
confirm an address proves only that it reached that mailbox (found from outside: an account
registered with someone else's address confirmed it from its own download).

Found from outside: deleting an account left the mail to its earlier addresses (a status mail showed
which problems the person followed), and the export left out every copy while saying it held
everything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select

from app.database.sessions import DbSession
from app.models import AuditEntry, OutgoingMail, User
from app.models.timestamps import rfc3339_or_none

# Audit actions whose `email` and `previous_email` were the account's own addresses.
ADDRESS_CHANGES = ("account.email_change", "account.email_change_undo")
CHANGE_REQUEST = "account.email_change_request"
# A link, whole (its query and fragment too), and a path segment that is a key: 20 or more URL-safe
# characters (signed or random tokens). Found from outside: "/account/confirm/<key>?next=/issues/new"
# got past a pattern that wanted the key to end the link.
LINK = re.compile(r"https?://[^\s<>\"'()\[\]]+")
KEY_SEGMENT = re.compile(r"/[A-Za-z0-9_.=-]{20,}(?![A-Za-z0-9_.=-])")
LEFT_OUT = "[a private link, left out of this copy]"


def without_keys(text: str) -> str:
    """The text with every link whose path holds a key replaced by LEFT_OUT."""

    def checked(link: re.Match[str]) -> str:
        path = link.group(0).split("://", 1)[1]
        path = path[path.find("/") :] if "/" in path else ""
        return LEFT_OUT if KEY_SEGMENT.search(path) else link.group(0)

    return LINK.sub(checked, text)


@dataclass(frozen=True)
class Span:
    """An address while it was the account's: mail queued from `since` and before `until` (None: still)."""

    address: str
    since: datetime
    until: datetime | None


@dataclass(frozen=True)
class AccountAddresses:
    owned: frozenset[str]  # addresses the account has had, that no other account holds now
    requested: frozenset[str]  # addresses it asked to change to, free of other accounts
    spans: tuple[Span, ...] = ()  # when each address it had was its own


def account_addresses(session: DbSession, user: User) -> AccountAddresses:
    owned: set[str] = {user.email}
    requested: set[str] = set()
    for action, details in session.execute(
        select(AuditEntry.action, AuditEntry.details).where(
            AuditEntry.target_type == "user",
            AuditEntry.target_id == str(user.id),
            AuditEntry.action.in_((*ADDRESS_CHANGES, CHANGE_REQUEST)),
        )
    ).tuples():
        named = [details.get(key) for key in ("email", "previous_email")] if isinstance(details, dict) else []
        addresses = {value for value in named if isinstance(value, str) and "@" in value}
        (requested if action == CHANGE_REQUEST else owned).update(addresses)
    everyone = owned | requested
    others = set(session.scalars(select(User.email).where(User.email.in_(everyone), User.id != user.id)))
    return AccountAddresses(
        frozenset(owned - others), frozenset(requested - others), _spans(session, user, owned)
    )


def _spans(session: DbSession, user: User, addresses: set[str]) -> tuple[Span, ...]:
    """When each of the account's addresses was its own: who took each address when, every account's
    registration (its first address) and address changes counted."""
    changes: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)  # account -> (when, from, to)
    for target, details, at in session.execute(
        select(AuditEntry.target_id, AuditEntry.details, AuditEntry.created_at)
        .where(AuditEntry.target_type == "user", AuditEntry.action.in_(ADDRESS_CHANGES))
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).tuples():
        if isinstance(details, dict) and target.isdigit():
            changes[int(target)].append((at, str(details.get("previous_email")), str(details.get("email"))))
    holders = set(session.scalars(select(User.id).where(User.email.in_(addresses))))
    touched = {account for account, steps in changes.items() if any({o, n} & addresses for _, o, n in steps)}
    accounts = holders | touched | {user.id}
    rows = session.execute(select(User.id, User.created_at, User.email).where(User.id.in_(accounts))).all()
    created = {row.id: row.created_at for row in rows}
    current = {row.id: row.email for row in rows}
    taken: dict[str, list[tuple[datetime, int]]] = defaultdict(list)  # address -> (when, account)
    for account in accounts:
        steps = changes.get(account, [])
        first = steps[0][1] if steps else current.get(account)
        if first in addresses and account in created:
            taken[first].append((created[account], account))
        for at, _old, new in steps:
            if new in addresses:
                taken[new].append((at, account))
    spans: list[Span] = []
    for address, moments in taken.items():
        moments.sort()
        for i, (since, account) in enumerate(moments):
            if account != user.id:
                continue
            later = [at for at, other in moments[i + 1 :] if other != user.id]
            spans.append(Span(address, since, later[0] if later else None))
    return tuple(spans)


def mail_of(user: User, found: AccountAddresses) -> ColumnElement[bool]:
    """The outbox rows that are the account's mail (a condition on OutgoingMail), given its addresses."""
    conditions: list[ColumnElement[bool]] = []
    for span in found.spans:
        during = [OutgoingMail.recipient == span.address, OutgoingMail.created_at >= span.since]
        if span.until is not None:
            during.append(OutgoingMail.created_at < span.until)
        conditions.append(and_(*during))
    if found.requested:
        conditions.append(
            OutgoingMail.recipient.in_(found.requested)
            & OutgoingMail.event_key.startswith(f"email-change:{user.id}:", autoescape=True)
        )
    return or_(*conditions) if conditions else false()


def mail_copies(session: DbSession, user: User) -> list[dict[str, Any]]:
    """data.json's `mails`: each copy's address, subject, state, times and text, oldest first."""
    mine = mail_of(user, account_addresses(session, user))
    rows = session.scalars(select(OutgoingMail).where(mine).order_by(OutgoingMail.id))
    return [
        {
            "to": row.recipient,
            "subject": row.subject,
            "state": row.status,
            "queued_at": rfc3339_or_none(row.created_at),
            "sent_at": rfc3339_or_none(row.sent_at),
            "text": without_keys(_text(row.message)),
        }
        for row in rows
    ]


def _text(raw: bytes) -> str:
    """The message's plain text as the person read it (its headers are the fields above)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default parses into EmailMessage
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""
