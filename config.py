"""Configuration classes (Development, Testing, Production) and the environment variables overriding them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit


def parse_bool(name: str, raw: str) -> bool:
    """Booleans are strict: true/false/1/0/yes/no/on/off, anything else is an error."""
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def parse_public_url(name: str, raw: str) -> str:
    """An absolute http(s) URL without query or fragment; a trailing slash is dropped."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{name} must be an absolute http(s) URL like https://fix.example.org, not {raw!r}")
    return value.rstrip("/")


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY: str | None = None
    # Without SECRET_KEY: "instance" keeps a random key in the instance folder (app/secret_key.py),
    # "ephemeral" makes one per app (tests), "required" refuses to start (production).
    SECRET_KEY_SOURCE = "required"
    # None means "SQLite + SpatiaLite file in the instance folder" (filled in by create_app).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}

    # Where residents reach the site: the base of every absolute URL built outside a request (links in
    # mail sent by a background tally or a CLI command). Inside a request the request's own host is used.
    PUBLIC_URL = "http://localhost"

    TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_ATTRIBUTION = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )

    # A photo may be at most 10 MB; the whole request a little more for the other fields.
    PHOTO_MAX_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = PHOTO_MAX_BYTES + 512 * 1024
    PHOTO_MAX_SIDE = 2048
    UPLOAD_FOLDER: str | None = None  # default: <instance>/uploads

    API_TOKEN_TTL = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a form's token lives as long as the session

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATE_LIMIT_REGISTER = "10 per hour"
    RATE_LIMIT_LOGIN = "20 per 15 minutes"
    RATE_LIMIT_CONFIRM_RESEND = "5 per hour"
    RATE_LIMIT_REPORT = "30 per hour"
    RATE_LIMIT_LIKE = "120 per minute"
    RATE_LIMIT_UPDATE = "30 per hour"  # public updates and "not fixed" on issues
    # The status an issue returns to when a resident says "not fixed" (within 30 days of the fix).
    REOPEN_STATUS = "new"

    DUPLICATE_RADIUS_M = 250
    DUPLICATE_LIMIT = 5
    MAP_MAX_FEATURES = 500
    API_MAX_PER_PAGE = 100

    # How pledges become money: "treasurer-confirmed" (a group admin confirms) or "test" (at once).
    PAYMENT_PROVIDER = "treasurer-confirmed"
    # Rounds with more ballots than this tally in the background (202 + a progress page).
    TALLY_SYNC_MAX_BALLOTS = 2000
    # Pabulib exports must name a country; a deployment sets its own.
    PABULIB_COUNTRY = "Germany"

    # The job queue (app/jobs): unset -> a SQLite file in the instance folder; redis://HOST:PORT/DB in
    # production; memory:// runs every job at once in the enqueuing process (tests).
    QUEUE_URL: str | None = None

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_DEFAULT_SENDER = "Commonfix <noreply@localhost>"
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    # "smtp" sends through MAIL_SERVER; "outbox" writes .eml files to MAIL_OUTBOX_DIR (<instance>/outbox).
    MAIL_BACKEND = "smtp"
    MAIL_OUTBOX_DIR: str | None = None


class DevelopmentConfig(Config):
    SECRET_KEY_SOURCE = "instance"
    PUBLIC_URL = "http://127.0.0.1:5000"  # where `make run` serves
    MAIL_BACKEND = "outbox"


class TestingConfig(Config):
    TESTING = True
    QUEUE_URL = "memory://"
    SECRET_KEY_SOURCE = "ephemeral"
    RATELIMIT_ENABLED = False
    MAIL_BACKEND = "outbox"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

# Environment variable -> (config key, parser). Read by create_app, never at import time.
ENVIRONMENT: dict[str, tuple[str, Callable[[str, str], Any]]] = {
    "SECRET_KEY": ("SECRET_KEY", lambda _n, v: v),
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", lambda _n, v: v),
    "PUBLIC_URL": ("PUBLIC_URL", parse_public_url),
    "TILE_URL": ("TILE_URL", lambda _n, v: v),
    "TILE_ATTRIBUTION": ("TILE_ATTRIBUTION", lambda _n, v: v),
    "UPLOAD_FOLDER": ("UPLOAD_FOLDER", lambda _n, v: v),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", parse_bool),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", lambda _n, v: v),
    "API_TOKEN_TTL_DAYS": ("API_TOKEN_TTL", lambda n, v: timedelta(days=parse_int(n, v))),
    "PAYMENT_PROVIDER": ("PAYMENT_PROVIDER", lambda _n, v: v),
    "TALLY_SYNC_MAX_BALLOTS": ("TALLY_SYNC_MAX_BALLOTS", parse_int),
    "PABULIB_COUNTRY": ("PABULIB_COUNTRY", lambda _n, v: v),
    "QUEUE_URL": ("QUEUE_URL", lambda _n, v: v),
    "MAIL_SERVER": ("MAIL_SERVER", lambda _n, v: v),
    "MAIL_PORT": ("MAIL_PORT", parse_int),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", lambda _n, v: v),
    "MAIL_USERNAME": ("MAIL_USERNAME", lambda _n, v: v),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", lambda _n, v: v),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", parse_bool),
    "MAIL_BACKEND": ("MAIL_BACKEND", lambda _n, v: v),
    "MAIL_OUTBOX_DIR": ("MAIL_OUTBOX_DIR", lambda _n, v: v),
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment overrides, parsed strictly."""
    settings: dict[str, Any] = {}
    for variable, (key, parse) in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw not in (None, ""):
            settings[key] = parse(variable, raw)
    return settings
