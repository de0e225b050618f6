"""The copies of mail Commonfix keeps for an account: what "Download my data" gives and deletion removes.

The outbox keeps each message whole (`OutgoingMail.message`), addressed to an address, not to an
account. An account's mail is therefore the mail to every address it has had: its address now and
the ones it changed from or back to (the audit log's address changes name them). An address it only
asked to change to, and never confirmed, holds one mail of its own: the link to confirm it (event
key `email-change:<user id>:...`); anything else sent there was someone else's. An address another
account holds now is that account's, and so is its mail.

Found from outside: deleting an account left the mail to its earlier addresses (a status mail showed
which problems the person followed), and the export left out every copy while saying it held
everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select

from app.database.sessions import DbSession
from app.models import AuditEntry, OutgoingMail, User
from app.models.timestamps import rfc3339_or_none

# Audit actions whose `email` and `previous_email` were the account's own addresses.
ADDRESS_CHANGES = ("account.email_change", "account.email_change_undo")
CHANGE_REQUEST = "account.email_change_request"


@dataclass(frozen=True)
class AccountAddresses:
    owned: frozenset[str]  # addresses the account has had, that no other account holds now
    requested: frozenset[str]  # addresses it asked to change to and never had, free of other accounts


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
    return AccountAddresses(frozenset(owned - others), frozenset(requested - owned - others))


def mail_of(user: User, found: AccountAddresses) -> ColumnElement[bool]:
    """The outbox rows that are the account's mail (a condition on OutgoingMail), given its addresses."""
    conditions: list[ColumnElement[bool]] = []
    if found.owned:
        conditions.append(OutgoingMail.recipient.in_(found.owned))
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
            "text": _text(row.message),
        }
        for row in rows
    ]


def _text(raw: bytes) -> str:
    """The message's plain text as the person read it (its headers are the fields above)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)  # policy.default parses into EmailMessage
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""
