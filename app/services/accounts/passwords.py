"""Passwords: setting one, changing it (the current one asked), and the fingerprint links are bound to."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from app.database.sessions import DbSession
from app.models import User
from app.services.accounts import logins, notices
from app.services.accounts import tokens as api_tokens
from app.services.accounts.users import account_hints, check_password
from app.services.kernel.audit import record
from app.services.kernel.errors import ValidationError


def fingerprint(user: User) -> str:
    """Names the account's current password hash: a link bound to it stops working once the password
    changes (every hash has its own salt, so even setting the same password again changes it)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:24]


def check_new_password(raw: object, field: str, user: User) -> str:
    try:
        return check_password(raw, *account_hints(user.email, user.display_name))
    except ValidationError as error:
        raise ValidationError(error.message.replace("Password", "The new password"), field) from None


def check_current_password(user: User, raw: object, field: str) -> None:
    if not isinstance(raw, str) or not raw:
        raise ValidationError("Your current password is required.", field)
    if not check_password_hash(user.password_hash, raw):
        raise ValidationError("Your current password is wrong: nothing changed.", field)


def replace_hash(session: DbSession, user: User, secret: str, expected_hash: str) -> bool:
    """Set a new password hash only if the stored one is still `expected_hash`; returns whether it was.

    One conditional UPDATE: of two requests using one reset link at once, only one changes the row
    (SQLite takes them one at a time; PostgreSQL makes the second wait for the row and find it changed).
    """
    new_hash = generate_password_hash(secret, method="scrypt")
    changed = session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == expected_hash)
        .values(password_hash=new_hash)
        .execution_options(synchronize_session=False)
    )
    if not getattr(changed, "rowcount", 0):
        return False
    set_committed_value(user, "password_hash", new_hash)  # what the row holds now; no second UPDATE
    return True


@dataclass(frozen=True)
class PasswordChanged:
    logins_ended: int  # on other devices
    tokens_revoked: int


def change_password(
    session: DbSession, user: User, current: object, new: object, *, revoke_tokens: object = False
) -> PasswordChanged:
    """Change the password after checking the current one; every other login ends, and with
    `revoke_tokens` (the owner's choice: someone may have their password) every API token too."""
    if not isinstance(revoke_tokens, bool):
        raise ValidationError("revoke_tokens must be true or false.", "revoke_tokens")
    check_current_password(user, current, "current_password")
    secret = check_new_password(new, "new_password", user)
    if secret == current:
        raise ValidationError("Choose a new password, not the current one again.", "new_password")
    if not replace_hash(session, user, secret, user.password_hash):
        raise ValidationError(
            "Your password changed meanwhile: nothing changed, try again.", "current_password"
        )
    ended = logins.end_logins(session, user, keep_this_device=True)
    revoked = api_tokens.revoke_all(session, user) if revoke_tokens else 0
    record(
        session, user, "account.password_change", "user", user.id, logins_ended=ended, tokens_revoked=revoked
    )
    notices.password_changed(session, user, "changed")
    session.flush()
    return PasswordChanged(ended, revoked)
