"""How each environment variable's text becomes a setting (config.py's ENVIRONMENT names which parser
reads which variable): strict booleans and whole numbers, rates, timeouts, URLs, a time zone, the mail
backend. Each error names the variable and the form it takes; a URL's password is never repeated."""

from __future__ import annotations

from collections.abc import Callable
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


def whole(low: int, high: int, unit: str = "") -> Callable[[str, str], int]:
    """A parser of whole numbers from `low` to `high` (`unit` named in the error: "days")."""

    def parse(name: str, raw: str) -> int:
        value = parse_int(name, raw)
        if not low <= value <= high:
            what = f"a whole number of {unit}" if unit else "a whole number"
            raise ValueError(f"{name} must be {what} from {low} to {high}, not {raw!r}")
        return value

    return parse


def choice(*options: str) -> Callable[[str, str], str]:
    """A parser that takes one of `options` (surrounding spaces ignored)."""

    def parse(name: str, raw: str) -> str:
        value = raw.strip()
        if value not in options:
            raise ValueError(f"{name} must be one of {', '.join(options)}, not {raw!r}")
        return value

    return parse


def parse_site_name(name: str, raw: str) -> str:
    """The site's name as residents see it: 1 to 40 characters on one line (it heads every page and
    mail subject)."""
    value = " ".join(raw.split())
    if not 1 <= len(value) <= 40 or not value.isprintable():
        raise ValueError(f"{name} must be a name of 1 to 40 printable characters on one line, not {raw!r}")
    return value


def parse_rate(name: str, raw: str) -> str:
    """A rate like "20 per 15 minutes" or "5/second" (several joined by ";"), as Flask-Limiter reads it."""
    from limits import parse_many

    value = raw.strip()
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"{name} must be a rate like '20 per 15 minutes', not {raw!r}") from None
    return value


def parse_seconds(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise ValueError(f"{name} must be a number of seconds between 0 and 60, not {raw!r}")
    return value


def parse_connect_timeout(name: str, raw: str) -> int:
    value = parse_int(name, raw)
    if not 2 <= value <= 300:  # libpq's connect_timeout: whole seconds, at least 2
        raise ValueError(f"{name} must be a whole number of seconds from 2 to 300, not {raw!r}")
    return value


def parse_statement_timeout(name: str, raw: str) -> int:
    value = parse_int(name, raw)
    if not 0 <= value <= 3600:
        raise ValueError(f"{name} must be a whole number of seconds from 0 (none) to 3600, not {raw!r}")
    return value


def parse_proxy_count(name: str, raw: str) -> int:
    value = parse_int(name, raw)
    if not 0 <= value <= 10:
        raise ValueError(f"{name} must be a number of proxies from 0 to 10, not {raw!r}")
    return value


def parse_public_url(name: str, raw: str) -> str:
    """An absolute http(s) URL without query or fragment; a trailing slash is dropped."""
    value = raw.strip()
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{name} must be an absolute http(s) URL like https://fix.example.org, not {raw!r}")
    return value.rstrip("/")


def parse_timezone(name: str, raw: str) -> str:
    """A zone name the system's time zone database knows ("Europe/Warsaw", "UTC")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    value = raw.strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name} must be a time zone name like Europe/Warsaw, not {raw!r}") from None
    return value


def parse_mail_backend(name: str, raw: str) -> str:
    """Where mail goes: "smtp" (a server) or "outbox" (.eml files, for development)."""
    value = raw.strip().lower()
    if value not in ("smtp", "outbox"):
        raise ValueError(f"{name} must be smtp or outbox, not {raw!r}")
    return value


DATABASE_SCHEMES = ("postgresql+psycopg", "sqlite")


def parse_database_url(name: str, raw: str) -> str:
    """postgresql+psycopg://... (the one PostgreSQL driver installed) or sqlite:///PATH. Only the scheme
    is ever repeated in an error: the rest of the URL may hold a password."""
    value = raw.strip()
    scheme = value.split("://", 1)[0] if "://" in value else ""
    if scheme not in DATABASE_SCHEMES:
        shown = f"a URL starting {scheme + '://'!r}" if scheme else "a value without a scheme"
        raise ValueError(
            f"{name} must be postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB (PostgreSQL + PostGIS) or "
            f"sqlite:///PATH, not {shown}"
        )
    return value
