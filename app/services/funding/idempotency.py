"""Idempotent money requests (pledges, backings, payouts): the Idempotency-Key's form, the row an
earlier request with the same key made, and the refusal when the key is reused for a different
request."""

from __future__ import annotations

import re
from typing import TypeVar

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Pledge
from app.models.backing import Backing
from app.services.kernel.errors import Conflict, ValidationError

IDEMPOTENCY_HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,120}$")

Request = TypeVar("Request", Pledge, Backing)


def check_idempotency_key(raw: object, what: str = "pledge") -> str:
    """The request's Idempotency-Key: 1-120 visible ASCII characters."""
    key = str(raw or "").strip()
    if not key:
        raise ValidationError(
            f"The {IDEMPOTENCY_HEADER} header is required: a unique value per {what}, reused on retry.",
            IDEMPOTENCY_HEADER,
        )
    if not KEY_RE.match(key):
        raise ValidationError(
            f"The {IDEMPOTENCY_HEADER} header must be 1-120 visible ASCII characters.", IDEMPOTENCY_HEADER
        )
    return key


def earlier_request(session: DbSession, model: type[Request], user_id: int, key: str) -> Request | None:
    """The row this resident's request with `key` made before (read fresh), if any."""
    return session.scalar(
        select(model)
        .where(model.user_id == user_id, model.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


def key_reused(what: str) -> Conflict:
    """The refusal for a key already used for a different request of this resident."""
    return Conflict(
        f"This {IDEMPOTENCY_HEADER} was already used for a different {what}; use a new key.",
        IDEMPOTENCY_HEADER,
    )
