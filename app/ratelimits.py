"""Rate limits for the actions worth abusing (register, login, reset, report, like, ...), read from config.

Each limit is one counter per (setting, caller), shared by every route that carries it: the web form and
the API count together, and so do a like and an unlike. Where the counters live is configuration
(RATELIMIT_STORAGE_URI, app/ratelimit_storage.py): per process in memory by default, in Redis in
production, so that every worker of every machine counts against the same numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from app.extensions import limiter
from app.services.accounts.addresses import normalise_email
from app.services.kernel.errors import ValidationError

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# A read that costs as much as a write (the data download builds a ZIP of every photo) counts too.
READ_METHODS = ("GET", "HEAD")


def by_address() -> str:
    """The client's address (the connection's peer; see README on proxies)."""
    return f"ip:{get_remote_address()}"


def user_or_address() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return by_address()


def attempted_email() -> str:
    """The email a login attempt names, normalised as the account lookup does; "" when it names none.

    The web form posts it as a form field, the API as a JSON member; anything else names no account.
    Never raises: Flask-Limiter takes any error while it counts for its storage failing, and would
    count in this process's memory for a while (app/ratelimit_storage.py).
    """
    try:
        if request.is_json:
            body = request.get_json(silent=True)
            raw = body.get("email") if isinstance(body, dict) else None
        else:
            raw = request.form.get("email")
    except HTTPException:  # a body too large to read: the view answers it
        return ""
    if raw is None or isinstance(raw, (dict, list)):
        return ""
    typed = str(raw).strip()
    try:
        # An address in another spelling (capitals, a full-width letter) counts with the account it reaches.
        return normalise_email(typed)
    except ValidationError:
        return typed.lower()  # names no account that can log in but one stored before the check


def by_attempted_account() -> str:
    """The account a login attempt is for, hashed: no email is stored and the key has a fixed length."""
    return "account:" + hashlib.sha256(attempted_email().encode()).hexdigest()[:32]


def names_no_account() -> bool:
    """An attempt without an email cannot succeed, and must not share one counter with every other."""
    return attempted_email() == ""


@dataclass(frozen=True)
class Counter:
    """One shared counter: its rate is the config value `setting` (e.g. "20 per 15 minutes")."""

    setting: str
    key: Callable[[], str]
    exempt_when: Callable[[], bool] | None = None
    # False: a request the view refuses (a 4xx: nothing stored) does not use up the quota.
    refusals_count: bool = True


LOGIN_ATTEMPTS = (
    Counter("RATE_LIMIT_LOGIN", by_attempted_account, exempt_when=names_no_account),
    Counter("RATE_LIMIT_LOGIN_ADDRESS", by_address),
)
# Asking for a reset link: per address named (whether or not an account uses it, so a 429 tells nothing)
# and per client address.
PASSWORD_RESET_REQUESTS = (
    Counter("RATE_LIMIT_PASSWORD_RESET", by_attempted_account, exempt_when=names_no_account),
    Counter("RATE_LIMIT_PASSWORD_RESET_ADDRESS", by_address),
)


def limited_by(*counters: Counter, reads: bool = False) -> Callable[[Any], Any]:
    """A view counted against each of `counters`; any one exhausted answers 429 with Retry-After.

    Only writes count, unless `reads`: loading a form page again must not use up a resident's quota.
    Every attempt counts, before the view runs (an atomic increment in the storage), whatever its
    outcome; for a counter whose refusals do not count, the limit is tested before the view and a
    request counted after it, once accepted (concurrent requests may then pass it by a few). With
    the limits off (RATELIMIT_ENABLED=false) the view runs directly: Flask-Limiter's decorator still
    identifies the caller and evaluates the limit when it is off, a measurable part of a like
    (docs/benchmarks.md).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        checked: Callable[..., Any] = view
        # Stacked decorators of one limiter check all their limits once, in the innermost wrapper.
        for counter in counters:
            checked = limiter.shared_limit(
                rate_of(counter.setting),
                scope=counter.setting,
                key_func=counter.key,
                exempt_when=counter.exempt_when,
                methods=list(WRITE_METHODS + READ_METHODS if reads else WRITE_METHODS),
                deduct_when=None if counter.refusals_count else _accepted,
            )(checked)

        @wraps(view)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            if limiter.enabled:
                return checked(*args, **kwargs)
            return current_app.ensure_sync(view)(*args, **kwargs)

        return dispatch

    return decorate


def _accepted(response: Any) -> bool:
    return int(response.status_code) < 400


def rate_of(setting: str) -> Callable[[], str]:
    return lambda: str(current_app.config[setting])


def limit(
    setting: str, per_user: bool = False, reads: bool = False, refusals_count: bool = True
) -> Callable[[Any], Any]:
    """A limit whose rate is the config value `setting`, per resident (or address) or per address;
    `reads`: GET requests count as well (a view that answers a GET with costly work);
    `refusals_count=False`: only accepted requests use it up (a limit against flooding a queue)."""
    key = user_or_address if per_user else by_address
    return limited_by(Counter(setting, key, refusals_count=refusals_count), reads=reads)


def limit_login_attempts(view: Callable[..., Any]) -> Callable[..., Any]:
    """Login attempts, on the web form and the API alike: per account named and per client address."""
    wrapped: Callable[..., Any] = limited_by(*LOGIN_ATTEMPTS)(view)
    return wrapped


def limit_reset_requests(view: Callable[..., Any]) -> Callable[..., Any]:
    """Requests for a password reset link, on the web form and the API alike (as login attempts)."""
    wrapped: Callable[..., Any] = limited_by(*PASSWORD_RESET_REQUESTS)(view)
    return wrapped
