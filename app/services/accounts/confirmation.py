"""Confirming an email address: a signed, expiring link mailed to it, and what registration says.

Registration answers the same whether or not the address already has an account: a new address gets
a confirmation link, a known one gets a note telling its owner (so nobody learns who is registered).
A link names the account and the address it was sent to: after an email change it no longer confirms.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from werkzeug.security import check_password_hash

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import User
from app.models.timestamps import utcnow
from app.services.accounts import logins, passwords, users
from app.services.accounts import tokens as api_tokens
from app.services.accounts.addresses import normalise_email
from app.services.accounts.blocking import refuse_blocked_domain
from app.services.accounts.signed_links import LinkInvalid, LinkKind
from app.services.kernel.audit import record
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name

SALT = "commonfix-confirm-email"
LINK_LIFETIME = timedelta(days=3)
LINK = LinkKind(SALT, LINK_LIFETIME, "This link has expired. Log in and ask for a new one.")
# The link that answers a second registration of an unconfirmed address: whoever opens it holds the
# mailbox, but the account's password, logins and held reports may be someone else's (found from
# outside: someone who registered another person's address first kept the account once its owner
# confirmed it). Its opener chooses the password, and every login and API token of the account ends.
AGAIN = LinkKind(
    "commonfix-confirm-email-again", LINK_LIFETIME, "This link has expired. Register again to get a new one."
)


def confirmation_token(user: User, *, again: bool = False) -> str:
    return (AGAIN if again else LINK).token(user, e=user.email)


@dataclass(frozen=True)
class ConfirmLink:
    """The account a confirmation link names, and whether it answered a second registration."""

    user: User
    again: bool


@dataclass(frozen=True)
class Confirmed:
    user: User
    now: bool  # this request confirmed the address (False: it was confirmed before)
    again: bool  # the password was chosen here, and every other login and API token ended


def send_confirmation(
    session: DbSession, user: User, next_path: str | None = None, *, registered_again: bool = False
) -> None:
    """Mail the address a link that confirms it (after the caller's commit).

    `next_path`, a path on this site the caller has checked, is where the link leads once confirmed
    (the report form or the problem the resident was about to like when they registered).
    `registered_again`: the mail answers a second registration of the unconfirmed address, and says
    that its password is the first one.
    """
    # A new link for an address registered twice asks too (found from outside: a plain one, asked for by
    # the first registrant, confirmed their account).
    registered_again = registered_again or user.registered_again_at is not None
    token = confirmation_token(user, again=registered_again)
    extra = {"next": next_path} if next_path else {}
    link = external_url("auth.confirm_email", token=token, **extra)
    days = LINK_LIFETIME.days
    queue_mail(
        session,
        # Each link its own event: a resend is a new mail (a second registration's, even in the same
        # second as the first, whose link is the same).
        f"confirm-email:{user.id}:{token[-16:]}{':again' if registered_again else ''}",
        build_message(
            to=user.email,
            subject=f"Confirm your email address for {site_name()}",
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            text=(
                f"Hello {user.display_name},\n\n"
                "Open this link to confirm your address. Until you do, you cannot like, follow, pledge, "
                "vote, join a group or flag content, and problems you report stay unpublished:\n\n"
                f"{link}\n\n"
                f"The link works for {days} days. If you did not register, ignore this mail.\n"
                + (
                    "\nThis address was registered a second time, before it was confirmed. Opening the "
                    "link, you choose the account's password: a password chosen at either registration "
                    "stops working, and the account is logged out everywhere else.\n"
                    if registered_again
                    else ""
                )
            ),
        ),
    )


def register(
    session: DbSession, email: object, display_name: object, password: object, next_path: str | None = None
) -> User | None:
    """A new, unconfirmed account mailed its link; or, for a known address, a note to its owner (a new
    link, while the address is still unconfirmed).

    Both paths check the input the same way and hash a password, so neither answer nor timing tells
    them apart. Returns the new account, or None when the address was taken (the caller must not say).
    """
    clean_email = normalise_email(email)
    name = users.check_display_name(display_name)
    users.refuse_staff_likeness(session, name)
    secret = users.check_password(password, *users.account_hints(clean_email, name))
    refuse_blocked_domain(session, clean_email)
    existing = users.find_by_email(session, clean_email)
    if existing is not None:
        check_password_hash(users.dummy_hash(), secret)  # the same work as hashing a new password
        if existing.email_confirmed_at is None and not existing.is_blocked:
            # Found from outside: the page after registering says "register again to get a new
            # message", and the message that came had no link to confirm with. From now on every
            # link for the address asks its opener to choose the password (`read_link`).
            existing.registered_again_at = utcnow()
            send_confirmation(session, existing, next_path, registered_again=True)
        else:
            tell_owner_of_attempt(session, existing)
        return None
    user = users.register(session, clean_email, name, secret)
    send_confirmation(session, user, next_path)
    return user


def tell_owner_of_attempt(session: DbSession, user: User) -> None:
    queue_mail(
        session,
        f"register-attempt:{user.id}:{secrets.token_hex(8)}",
        build_message(
            to=user.email,
            subject=f"Someone tried to register with your address on {site_name()}",
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            text=(
                f"Hello {user.display_name},\n\n"
                f"Someone (perhaps you) tried to create a new {site_name()} account with this address, "
                "which already has one. Nothing changed. If it was you, log in here:\n\n"
                f"{external_url('auth.login')}\n\n"
                "If you forgot your password, you can reset it from the login page.\n"
            ),
        ),
    )


def read_link(session: DbSession, token: str) -> ConfirmLink:
    """The account a confirmation link names, if the link is ours, recent and for its current address."""
    again = AGAIN.signed(token)
    user, facts = (AGAIN if again else LINK).read(session, token, "e")
    # Found from outside: once the address was registered twice, a plain link (the first mail's, or a
    # new one the first registrant asked for) confirmed that registrant's account: it asks too.
    again = again or user.registered_again_at is not None
    if user.email != facts["e"]:
        raise LinkInvalid("This link is for an address this account no longer uses.", "token")
    return ConfirmLink(user, again)


def confirm(
    session: DbSession, token: str, new_password: object = None, display_name: object = None
) -> Confirmed:
    """Confirm the address a link names. For an address registered twice the link's opener chooses the
    password (`new_password`) and the display name (found from outside: the first registrant's name
    stayed on the owner's account), and every login and API token of the account ends."""
    link = read_link(session, token)
    user = link.user
    if user.email_confirmed_at is not None:
        return Confirmed(user, False, link.again)
    details: dict[str, object] = {}
    if link.again:
        users.take_resident_name(session, user, display_name)
        secret = passwords.check_new_password(new_password, "password", user)
        if not passwords.replace_hash(session, user, secret, user.password_hash):
            raise LinkInvalid("The account changed meanwhile: open the link again.", "token")
        details = {
            "password_chosen": True,
            "logins_ended": logins.end_logins(session, user),
            "tokens_revoked": api_tokens.revoke_all(session, user),
        }
    user.email_confirmed_at = utcnow()
    record(session, user, "account.confirm_email", "user", user.id, **details)
    session.flush()
    return Confirmed(user, True, link.again)
