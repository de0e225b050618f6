"""An account's API tokens as the resident sees them: listed, revoked one by one or all at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from app.database.sessions import DbSession
from app.models import ApiToken, User
from app.models.timestamps import utcnow
from app.services.kernel.audit import record
from app.services.kernel.errors import NotFound


def live_tokens(session: DbSession, user: User) -> Sequence[ApiToken]:
    """The account's tokens that still work, newest first (expired ones are gone for the resident)."""
    return session.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()


def revoke_token(session: DbSession, user: User, token_id: int) -> None:
    """Revoke one of the account's own tokens; another account's token is "not found", not "forbidden"."""
    removed = session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if not getattr(removed, "rowcount", 0):
        raise NotFound("No such token on your account.", "token_id")
    record(session, user, "account.token_revoke", "api_token", token_id)


def revoke_all(session: DbSession, user: User) -> int:
    """Stop every API token of the account (a reset, an undone address change, or the owner's choice
    when changing the password); returns how many there were. The caller audits the act."""
    removed = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    return int(getattr(removed, "rowcount", 0) or 0)
