"""Rate limits for the actions worth abusing (register, login, report, like), read from config."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.extensions import limiter

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def user_or_address() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


def limit(setting: str, per_user: bool = False) -> Callable[[Any], Any]:
    """A limit whose rate is the config value `setting` (e.g. "10 per hour").

    Only writes count: loading a form page again must not use up a resident's quota. With the limits
    off (RATELIMIT_ENABLED=false) the view runs directly: Flask-Limiter's decorator still identifies
    the caller and evaluates the limit when it is off, a measurable part of a like (docs/benchmarks.md).
    """
    limited = limiter.limit(
        lambda: str(current_app.config[setting]),
        key_func=user_or_address if per_user else get_remote_address,
        scope=setting,
        methods=list(WRITE_METHODS),
    )

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        checked = limited(view)

        @wraps(view)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if limiter.enabled:
                return checked(*args, **kwargs)
            return current_app.ensure_sync(view)(*args, **kwargs)

        return dispatch

    return decorate
