"""Where the rate-limit counters live: RATELIMIT_STORAGE_URI, memory:// (per process) or Redis (shared).

When Redis cannot be reached, each process keeps counting the same limits in its own memory (Flask-
Limiter's in-memory fallback) and pings Redis again after 1, 2, 4 ... 32 s, going back to the shared
counters at the first answer: pages keep answering, limits hold per process meanwhile (DESIGN.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.logging import default_handler
from redis.backoff import NoBackoff
from redis.retry import Retry

from app.configuration_error import ConfigurationError
from app.extensions import limiter
from app.ratelimit_headers import register_retry_after_rule

SCHEMES = {"memory": "per process", "redis": "shared", "rediss": "shared (TLS)"}


def storage_options(app: Flask) -> dict[str, Any]:
    """Redis client options: short timeouts and one immediate retry, so a Redis host that does not
    answer costs the request that finds out about a second before the fallback takes over (redis-py's
    defaults wait 5 s per socket operation and retry ten times with back-off)."""
    timeout = float(app.config["RATELIMIT_REDIS_TIMEOUT"])
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 1),
        "health_check_interval": 30,
    }


def init_rate_limits(app: Flask) -> None:
    """Bind the limiter to `app` with the storage its configuration names."""
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://")
    scheme = urlsplit(uri).scheme
    if scheme not in SCHEMES or not uri.startswith(f"{scheme}://"):
        # Only the scheme is repeated: the rest of a Redis URL may hold its password.
        shown = f"a URL starting {scheme + ':'!r}" if scheme else "a value without a scheme"
        raise ConfigurationError(
            f"RATELIMIT_STORAGE_URI must be memory:// or redis://HOST:PORT/DB (or rediss://), not {shown}"
        )
    app.config["RATELIMIT_STORAGE_URI"] = uri
    if scheme != "memory":
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **storage_options(app),
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    register_retry_after_rule(app)  # before the limiter's hook, so it runs after it
    limiter.init_app(app)
    # Flask-Limiter logs an outage ("Rate limit storage unreachable - falling back to in-memory
    # storage") to a logger with only a NullHandler; operators see it beside the app's own errors.
    if default_handler not in limiter.logger.handlers:
        limiter.logger.addHandler(default_handler)
