"""Undoing an address change from the old address: the way back for an owner whose account was taken over.

Whoever changed the address knew the password, so the notice to the old address carries a signed link
(a week long) that puts the old address back and shuts the other person out: every login of the
account ends, its API tokens stop, its password is replaced by a random one nobody knows (which also
voids every link mailed before, as they name the old password's fingerprint), and the old address gets
a reset link to choose a new password. The link works while the account still has the address it
moved to: once used it says so and changes nothing. The address does not change again while the link
works (email_change.require_no_open_undo): a second change would leave the owner's link dead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession
from app.models import User
from app.models.timestamps import utcnow
from app.services.accounts import logins, password_reset, passwords, users
from app.services.accounts import tokens as api_tokens
from app.services.accounts.signed_links import LinkInvalid, LinkKind
from app.services.kernel.audit import record
from app.services.kernel.errors import Conflict
from app.services.kernel.links import external_url

SALT = "commonfix-undo-email-change"
LINK_LIFETIME = timedelta(days=7)
LINK = LinkKind(
    SALT,
    LINK_LIFETIME,
    "This link has expired. If someone else controls your account, write to the city from this address.",
)


def undo_link(user: User, old_email: str) -> str:
    """The link for the old address's notice: it names the account, the old address and the new one."""
    return external_url("auth.undo_email_change", token=LINK.token(user, o=old_email, n=user.email))


@dataclass(frozen=True)
class Undo:
    """What a link would undo: the account, the address it would get back and the one it drops."""

    user: User
    old_email: str
    new_email: str


def read_token(session: DbSession, token: str) -> Undo:
    """What an undo link undoes, if the link is ours, recent and the account still has the new address."""
    user, facts = LINK.read(session, token, "on")
    if user.email != facts["n"]:
        raise LinkInvalid(
            "This link was used already, or the account's address changed again since it was sent.", "token"
        )
    return Undo(user, facts["o"], facts["n"])


@dataclass(frozen=True)
class Undone:
    user: User
    logins_ended: int
    tokens_revoked: int


def undo_change(session: DbSession, token: str) -> Undone:
    """Put the old address back and shut out whoever changed it (see the module docstring)."""
    undo = read_token(session, token)
    user = undo.user
    taken = users.find_by_email(session, undo.old_email)
    if taken is not None and taken.id != user.id:
        raise Conflict(f"Another account uses {undo.old_email} now: nothing changed.", "token")
    user.email = undo.old_email
    user.email_confirmed_at = utcnow()  # the link reached this address
    try:
        session.flush()
    except IntegrityError:  # another account took the address meanwhile: the unique index said so
        raise Conflict(f"Another account uses {undo.old_email} now: nothing changed.", "token") from None
    if not passwords.replace_hash(session, user, secrets.token_urlsafe(32), user.password_hash):
        # Another use of this link got here first (the views roll this one back).
        raise LinkInvalid("This link was used already.", "token")
    ended = logins.end_logins(session, user)
    tokens = api_tokens.revoke_all(session, user)
    record(
        session,
        user,
        "account.email_change_undo",
        "user",
        user.id,
        email=undo.old_email,
        previous_email=undo.new_email,
        logins_ended=ended,
        tokens_revoked=tokens,
    )
    password_reset.mail_after_undo(session, user)
    session.flush()
    return Undone(user, ended, tokens)
