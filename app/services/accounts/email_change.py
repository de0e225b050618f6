"""Changing the account's address: confirmed by a link mailed to the new address; the old one is told.

Asking checks the password and answers the same whether or not another account uses the new address
(that address's owner gets a note instead of a link), so nobody learns who is registered. The address
changes only when the link is opened. The link names the account, its current address and a fingerprint
of its password hash: it stops working once the address changed (it was used) or the password did (the
owner, warned at the old address, cancels a change they did not ask for by changing the password).
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession
from app.mail import build_message, queue_mail
from app.models import AuditEntry, User
from app.models.timestamps import utcnow
from app.services.accounts import email_change_undo, notices, passwords, users
from app.services.accounts.addresses import normalise_email
from app.services.accounts.blocking import refuse_blocked_domain
from app.services.accounts.signed_links import LinkInvalid, LinkKind
from app.services.kernel.audit import record
from app.services.kernel.city_time import day_words, in_city
from app.services.kernel.errors import Conflict, DomainError, ValidationError
from app.services.kernel.links import external_url
from app.services.kernel.site import site_name

SALT = "commonfix-change-email"
LINK_LIFETIME = timedelta(days=1)
TAKEN = "Another account uses this address now: nothing changed."


LINK = LinkKind(SALT, LINK_LIFETIME, "This link has expired: ask for the change again in your settings.")


def _new_address(session: DbSession, user: User, raw: object) -> str:
    try:
        email = normalise_email(raw)
        refuse_blocked_domain(session, email)
    except DomainError as error:
        error.field = "new_email"
        raise
    if email == user.email:
        raise ValidationError("That is already your address.", "new_email")
    return email


def require_no_open_undo(session: DbSession, user: User) -> None:
    """Refuse a change while the last one can still be undone from the address before it (a week,
    `email_change_undo.LINK_LIFETIME`), unless it was undone: found from outside, someone who knew the
    password changed the address twice, so the second notice went to their own first address and the
    owner's undo link, for an address the account no longer had, was dead."""
    last_change, last_undo = (
        session.scalar(
            select(func.max(AuditEntry.created_at)).where(
                AuditEntry.actor_id == user.id, AuditEntry.action == action
            )
        )
        for action in ("account.email_change", "account.email_change_undo")
    )
    if last_change is None or (last_undo is not None and last_undo >= last_change):
        return
    until = last_change + email_change_undo.LINK_LIFETIME
    if utcnow() < until:
        raise Conflict(
            f"Your address was changed on {day_words(in_city(last_change).date())}. For a week the address "
            "before it can undo that change, so it can change again from "
            f"{day_words(in_city(until).date())}.",
            "new_email",
        )


def request_change(session: DbSession, user: User, new_email: object, password: object) -> str:
    """Mail a link to the new address (or, if another account has it, a note to it); tell the old one.

    Returns the new address as normalised; the caller answers the same either way.
    """
    passwords.check_current_password(user, password, "password")
    require_no_open_undo(session, user)
    email = _new_address(session, user, new_email)
    if users.find_by_email(session, email) is not None:
        notices.address_taken(session, email)
    else:
        token = LINK.token(user, o=user.email, n=email, p=passwords.fingerprint(user))
        queue_mail(
            session,
            f"email-change:{user.id}:{token[-16:]}",
            build_message(
                to=email,
                subject=f"Confirm your new address for {site_name()}",
                sender=current_app.config["MAIL_DEFAULT_SENDER"],
                text=(
                    f"Hello {user.display_name},\n\n"
                    f"Open this link to make this address your {site_name()} account's address:\n\n"
                    f"{external_url('auth.confirm_new_email', token=token)}\n\n"
                    f"The link works for {int(LINK_LIFETIME.total_seconds() // 3600)} hours. Until you open "
                    "it, mail goes to your old address.\nIf you did not ask for this, ignore this mail.\n"
                ),
            ),
        )
    notices.email_change_requested(session, user, email)
    record(session, user, "account.email_change_request", "user", user.id, email=email)
    session.flush()
    return email


def read_token(session: DbSession, token: str) -> tuple[User, str]:
    """The account and new address a change link names, if the link is ours, recent and unused."""
    user, facts = LINK.read(session, token, "onp")
    if user.email != facts["o"] or not hmac.compare_digest(passwords.fingerprint(user), facts["p"]):
        raise LinkInvalid(
            "This link was used already, or the account's address or password changed since it was sent.",
            "token",
        )
    return user, facts["n"]


def confirm_change(session: DbSession, token: str) -> tuple[User, str]:
    """Make the link's new address the account's (confirmed by the link); returns the account and the
    old address, which is told."""
    user, email = read_token(session, token)
    if users.find_by_email(session, email) is not None:
        raise Conflict(TAKEN, "token")
    old_email = user.email
    user.email = email
    user.email_confirmed_at = utcnow()
    try:
        session.flush()
    except IntegrityError:  # another account took the address meanwhile: the unique index said so
        raise Conflict(TAKEN, "token") from None  # the caller rolls back, as on every domain error
    undo = email_change_undo.undo_link(user, old_email)
    notices.email_changed(session, user, old_email, undo, email_change_undo.LINK_LIFETIME.days)
    record(session, user, "account.email_change", "user", user.id, email=email, previous_email=old_email)
    session.flush()
    return user, old_email
