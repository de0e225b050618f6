"""Who is asking: the login cookie's User, or the holder of an `Authorization: Bearer` token."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from app.extensions import db
from app.models import User
from app.models.account import TokenHolder
from app.services.kernel.errors import AuthenticationError

LOG_IN = "Log in, or send an Authorization: Bearer token, to do this."


def require_actor() -> User | TokenHolder:
    """The signed-in user as cheaply as known: on token requests, the token's holder (id, role,
    blocked), not the ORM user. For writes that need no more than that, like a like."""
    if not current_user.is_authenticated:
        raise AuthenticationError(LOG_IN)
    actor: User | TokenHolder = current_user._get_current_object()  # the object, not the proxy
    return actor


def require_user() -> User:
    """The signed-in User itself, loaded once per request, for services that take one."""
    actor = require_actor()
    if isinstance(actor, User):
        return actor
    user: User | None = g.get("token_user")
    if user is None:
        user = db.session.get(User, actor.id)
        if not isinstance(user, User):  # deleted since its token was read
            raise AuthenticationError(LOG_IN)
        g.token_user = user
    return user
