"""Password reset: a signed link mailed to the address, which works once and for an hour.

Asking answers the same whether or not an account uses the address: a known address gets the link, an
unknown one a note saying no account uses it, so both paths queue one mail and neither answer nor
timing tells them apart. The link names the account and a fingerprint of its password hash, so it stops
working once the password changes: after the reset it was used for, or any other change.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import User
from app.models.timestamps import utcnow
from app.services.accounts import logins, notices, passwords, users
from app.services.accounts import tokens as api_tokens
from app.services.accounts.addresses import normalise_email
from app.services.accounts.blocking import refuse_blocked_domain
from app.services.accounts.signed_links import LinkInvalid, LinkKind
from app.services.kernel.audit import record
from app.services.kernel.errors import DomainError
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name

SALT = "commonfix-password-reset"
LINK_LIFETIME = timedelta(hours=1)


class LinkUsed(DomainError):
    status = 410
    code = "link_used"


LINK = LinkKind(
    SALT,
    LINK_LIFETIME,
    expired="This reset link has expired: ask for a new one below.",
    invalid="This reset link is not valid: copy the whole link from the mail, or ask for a new one.",
)


def reset_token(user: User) -> str:
    """A reset link bound to the password and to the address it was mailed to (found from outside: a link
    mailed to an address the account then left still reset it, for whoever kept that mailbox)."""
    return LINK.token(user, p=passwords.fingerprint(user), e=user.email)


def request_reset(session: DbSession, email: object) -> str:
    """Mail a reset link to the account using `email`, or a note to the address if none does.

    Returns the address as normalised; the caller answers the same either way.
    """
    clean_email = normalise_email(email)
    refuse_blocked_domain(session, clean_email)
    user = users.find_by_email(session, clean_email)
    if user is None or user.deleted_at is not None:
        notices.no_account_for(session, clean_email)
        return clean_email
    _mail_link(
        session,
        user,
        f"Reset your {site_name()} password",
        f"Someone (perhaps you) asked to reset your {site_name()} password. Open this link to choose "
        "a new one:",
        "If you did not ask, ignore this mail: your password stays as it is.",
    )
    return clean_email


def mail_after_undo(session: DbSession, user: User) -> None:
    """The reset link an email-change undo sends: its password was replaced, so the words differ from
    a reset asked for (found from outside: "ignore this mail: your password stays as it is" went to a
    resident whose password had just been taken away)."""
    _mail_link(
        session,
        user,
        f"Choose a new {site_name()} password",
        f"Your {site_name()} address is {user.email} again, and the password whoever changed it may have "
        "known no longer works. Open this link to choose a new one:",
        "Until you do, nobody can log in to your account. If the link runs out, ask for another one "
        f"on the login page: {external_url('auth.forgot_password')}",
    )


def _mail_link(session: DbSession, user: User, subject: str, opening: str, closing: str) -> None:
    token = reset_token(user)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    queue_mail(
        session,
        f"password-reset:{user.id}:{secrets.token_hex(8)}",  # each request its own mail, as for unknown
        build_message(
            to=user.email,
            subject=subject,
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            text=(
                f"Hello {user.display_name},\n\n{opening}\n\n"
                f"{external_url('auth.reset_password', token=token)}\n\n"
                f"The link works once, for {minutes} minutes. Choosing a new password logs you out on "
                f"every other device. {closing}\n"
            ),
        ),
    )


def read_token(session: DbSession, token: str) -> User:
    """The account a reset link is for, if the link is ours, recent and not used yet."""
    user, facts = LINK.read(session, token, "pe")
    if not hmac.compare_digest(user.email, facts["e"]):
        raise LinkInvalid(
            "This reset link was mailed to an address this account no longer uses: ask for a new one.",
            "token",
        )
    if not hmac.compare_digest(passwords.fingerprint(user), facts["p"]):
        raise LinkUsed(
            "This reset link was used already, or your password changed since it was sent: "
            "ask for a new one.",
            "token",
        )
    return user


@dataclass(frozen=True)
class Reset:
    user: User
    logins_ended: int
    tokens_revoked: int
    confirmed_now: bool  # the link reached the address, so an unconfirmed address is confirmed by it


def reset_password(
    session: DbSession, token: str, new_password: object, display_name: object = None
) -> Reset:
    """Set the new password from a reset link: once only; every login and API token of the account ends.

    A reset confirms an unconfirmed address, whose name may be another's (someone who registered the
    address first): `display_name`, when given, replaces it (the page asks it then; found from outside,
    the first registrant's name stayed on the owner's account)."""
    user = read_token(session, token)
    if display_name is not None and user.email_confirmed_at is None:
        users.take_resident_name(session, user, display_name)
    secret = passwords.check_new_password(new_password, "password", user)
    if not passwords.replace_hash(session, user, secret, user.password_hash):
        raise LinkUsed("This reset link was used already: ask for a new one.", "token")
    ended = logins.end_logins(session, user)
    tokens = api_tokens.revoke_all(session, user)
    confirmed_now = user.email_confirmed_at is None
    if confirmed_now:
        user.email_confirmed_at = utcnow()
    record(
        session, user, "account.password_reset", "user", user.id, logins_ended=ended, tokens_revoked=tokens
    )
    notices.password_changed(session, user, "reset with a link mailed to this address")
    session.flush()
    return Reset(user, ended, tokens, confirmed_now)
