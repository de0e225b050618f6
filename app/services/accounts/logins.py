"""Logins: each login on a device is a row the cookies name; ending it logs that device out for good,
and every login ends on its own once its lifetime is over (a plain login's, or "Keep me logged in"'s)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, select, update

from app.database.sessions import DbSession
from app.models import LoginSession, User
from app.models.timestamps import utcnow
from app.services.kernel.audit import record
from app.services.kernel.errors import Conflict, NotFound

DEVICE_MAX = 120


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _live() -> ColumnElement[bool]:
    """A login that has neither been ended nor outlived its lifetime."""
    return and_(LoginSession.ended_at.is_(None), LoginSession.expires_at > utcnow())


def start_login(session: DbSession, user: User, device: str, lifetime: timedelta) -> str:
    """A new login for `user` that ends on its own after `lifetime`; returns the key the cookies will
    carry (only its digest is stored)."""
    key = secrets.token_urlsafe(24)
    now = utcnow()
    session.add(
        LoginSession(
            user_id=user.id,
            key_hash=key_digest(key),
            device=device[:DEVICE_MAX],
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    session.flush()
    user.__dict__["login_key"] = key
    return key


def user_for_login(session: DbSession, cookie_id: str) -> User | None:
    """The user of a login that has not ended or expired, from what a cookie holds ("<user id>:<key>")."""
    user_id, _, key = cookie_id.partition(":")
    if not user_id.isdigit() or not key or len(key) > 100:
        return None
    user = session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            LoginSession.key_hash == key_digest(key),
            _live(),
            User.deleted_at.is_(None),  # a deleted account's tombstone never signs in again
        )
    )
    if user is not None:
        user.__dict__["login_key"] = key
    return user


def end_login(session: DbSession, user: User) -> None:
    """Log out this device: the login the user arrived with ends, and both its cookies with it."""
    key = user.__dict__.get("login_key")
    if key:
        session.execute(
            update(LoginSession)
            .where(LoginSession.key_hash == key_digest(key), LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_other_login(session: DbSession, user: User, login_id: int) -> None:
    """Log out one other device from the list of logins; another account's login is "not found"."""
    login = session.scalar(
        select(LoginSession).where(LoginSession.id == login_id, LoginSession.user_id == user.id)
    )
    if login is None:  # found from outside: another account's login was said to have "already ended"
        raise NotFound("There is no such login on your account.", "login_id")
    if is_current(login, user):  # found from outside: it logged this device out as "that device"
        raise Conflict("That is the device you are using: log out of it with Log out.", "login_id")
    if login.ended_at is not None or login.expires_at <= utcnow():
        raise NotFound("That login has already ended.", "login_id")
    login.ended_at = utcnow()
    session.flush()
    record(session, user, "account.logout_device", "login_session", login_id, device=login.device)


def end_logins(session: DbSession, user: User, keep_this_device: bool = False) -> int:
    """End the account's logins (all, or all but the one this request arrived with); returns how many.

    A password change keeps this device's login; a reset and "log out everywhere" end them all.
    """
    condition = [LoginSession.user_id == user.id, _live()]
    key = user.__dict__.get("login_key")
    if keep_this_device and key:
        condition.append(LoginSession.key_hash != key_digest(str(key)))
    ended = session.execute(update(LoginSession).where(*condition).values(ended_at=utcnow()))
    return int(getattr(ended, "rowcount", 0) or 0)


def end_every_login(session: DbSession, user: User) -> int:
    """Log out everywhere: every login of the account ends (this device's too). Returns how many."""
    count = end_logins(session, user)
    record(session, user, "account.logout_everywhere", "user", user.id, logins=count)
    return count


def open_logins(session: DbSession, user: User) -> Sequence[LoginSession]:
    return session.scalars(
        select(LoginSession)
        .where(LoginSession.user_id == user.id, _live())
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
    ).all()


def is_current(login: LoginSession, user: User) -> bool:
    key = user.__dict__.get("login_key")
    return bool(key) and login.key_hash == key_digest(str(key))
