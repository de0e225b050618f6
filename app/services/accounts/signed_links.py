"""Links mailed to an address that act on its account: confirming it, resetting the password, changing
the address and undoing that change.

Each kind of link is signed with the app's key and its own salt (a link of one kind is never valid as
another), works for its own lifetime and names the account ("u") with what it was for (the address, a
fingerprint of the password hash, ...). `LinkKind.read` checks all a link carries; what it was for is
the caller's to compare with the account as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.database.sessions import DbSession
from app.models import User
from app.services.kernel.errors import DomainError

INVALID = "This link is not valid: copy the whole link from the mail."


class LinkExpired(DomainError):
    status = 410
    code = "link_expired"


class LinkInvalid(DomainError):
    status = 400
    code = "link_invalid"


@dataclass(frozen=True)
class LinkKind:
    """One kind of mailed link: its salt, how long it works, and what an expired or foreign one says."""

    salt: str
    lifetime: timedelta
    expired: str
    invalid: str = INVALID

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def token(self, user: User, **facts: str) -> str:
        """A link's token naming the account and `facts` (short keys, text values)."""
        return str(self._serializer().dumps({"u": user.id, **facts}))

    def signed(self, token: str) -> bool:
        """Whether `token` carries this kind's signature, whatever its age (of two kinds that share a
        route, which one to read it as)."""
        try:
            self._serializer().loads(token)  # no max_age: the signature alone
        except BadSignature:
            return False
        return True

    def read(self, session: DbSession, token: str, facts: str) -> tuple[User, dict[str, str]]:
        """The account a token names, not deleted, and its facts (the keys in `facts`, each text).

        LinkExpired past the lifetime; LinkInvalid for a token that is not ours, not whole, or names no
        live account."""
        try:
            payload: Any = self._serializer().loads(token, max_age=int(self.lifetime.total_seconds()))
        except SignatureExpired:
            raise LinkExpired(self.expired, "token") from None
        except BadSignature:
            raise LinkInvalid(self.invalid, "token") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
            raise LinkInvalid(self.invalid, "token")
        if not all(isinstance(payload.get(key), str) for key in facts):
            raise LinkInvalid(self.invalid, "token")
        user = session.get(User, payload["u"])
        if user is None or user.deleted_at is not None:
            # A whole, genuine link (its signature holds): found from outside, a link mailed before the
            # account was deleted was answered "copy the whole link from the mail".
            raise LinkInvalid("This link was for an account that has since been deleted.", "token")
        return user, {key: str(payload[key]) for key in facts}
