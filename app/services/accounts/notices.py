"""The account mails that tell rather than ask: password changed, address change requested or done.

Each is queued in the caller's transaction (app.mail), so it goes out exactly when the change commits.
Their event keys carry a random part: the same notice for a second change is a second mail.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import User
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name


def address_key(email: str) -> str:
    """A recipient without an account in an event key: the address hashed, never stored in clear."""
    return hashlib.sha256(email.encode()).hexdigest()[:16]


def send(session: DbSession, event: str, to: str, subject: str, text: str) -> None:
    queue_mail(
        session,
        f"{event}:{secrets.token_hex(8)}",
        build_message(to=to, subject=subject, sender=current_app.config["MAIL_DEFAULT_SENDER"], text=text),
    )


def password_changed(session: DbSession, user: User, how: str) -> None:
    send(
        session,
        f"password-changed:{user.id}",
        user.email,
        f"Your {site_name()} password was changed",
        f"Hello {user.display_name},\n\n"
        f"Your {site_name()} password was {how}, and every other login of your account has ended.\n\n"
        "If you did not do this, reset your password now from the login page:\n\n"
        f"{external_url('auth.forgot_password')}\n",
    )


def no_account_for(session: DbSession, email: str) -> None:
    """A reset asked for an address no account uses: tell the address, so its owner is not left waiting."""
    send(
        session,
        f"password-reset-no-account:{address_key(email)}",
        email,
        f"Resetting your {site_name()} password",
        "Hello,\n\n"
        f"Someone (perhaps you) asked to reset the {site_name()} password of an account with this address, "
        "but no account uses it. Perhaps you registered with another address? You can also create an "
        "account:\n\n"
        f"{external_url('auth.register')}\n\n"
        "If you did not ask, ignore this mail: nothing changed.\n",
    )


def email_change_requested(session: DbSession, user: User, new_email: str) -> None:
    """Told to the old address as soon as a change is asked for: its owner can still stop it."""
    send(
        session,
        f"email-change-requested:{user.id}",
        user.email,
        f"Your {site_name()} address is about to change",
        f"Hello {user.display_name},\n\n"
        f"Someone logged in to your account asked to change its address to {new_email}.\n"
        "It changes only when the link we mailed there is opened.\n\n"
        "If this was not you, change your password now: that cancels the change and logs out "
        "everyone else.\n\n"
        f"{external_url('auth.settings')}\n",
    )


def address_taken(session: DbSession, email: str) -> None:
    """A change asked for an address another account has: told to that address, never to the asker."""
    send(
        session,
        f"email-change-taken:{address_key(email)}",
        email,
        f"Someone tried to move a {site_name()} account to your address",
        "Hello,\n\n"
        f"Someone (perhaps you, logged in to another account) asked to move a {site_name()} account to this "
        "address, which already has an account. Nothing changed. If you forgot your password, you can "
        "reset it:\n\n"
        f"{external_url('auth.forgot_password')}\n",
    )


def email_changed(session: DbSession, user: User, old_email: str, undo_link: str, days: int) -> None:
    """Told to the old address once the change is made, with the link that undoes it for `days` days."""
    send(
        session,
        f"email-changed:{user.id}",
        old_email,
        f"Your {site_name()} address was changed",
        f"Hello {user.display_name},\n\n"
        f"Your {site_name()} account now uses the address {user.email}; mail no longer comes here.\n\n"
        f"If you did not ask for this, open this link within {days} days to put this address back. It also "
        "ends every login of the account, stops its API tokens and sends you a link to choose a new "
        "password:\n\n"
        f"{undo_link}\n",
    )
