"""Configuration classes (Development, Testing, Production) and the environment variables overriding them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from config_values import (
    choice,
    parse_bool,
    parse_connect_timeout,
    parse_database_url,
    parse_mail_backend,
    parse_proxy_count,
    parse_public_url,
    parse_rate,
    parse_seconds,
    parse_site_name,
    parse_statement_timeout,
    parse_timezone,
    whole,
)


class Config:
    """Defaults shared by every environment."""

    SECRET_KEY: str | None = None
    # Without SECRET_KEY: "instance" keeps a random key in the instance folder (app/secret_key.py),
    # "ephemeral" makes one per app (tests), "required" refuses to start (production).
    SECRET_KEY_SOURCE = "required"
    # None means "SQLite + SpatiaLite file in the instance folder" (filled in by create_app), unless
    # DATABASE_URL_REQUIRED: production refuses to start rather than write to a file of its own.
    SQLALCHEMY_DATABASE_URI: str | None = None
    DATABASE_URL_REQUIRED = False
    # Seconds to wait for PostgreSQL to accept a new connection; a server that does not answer (frozen,
    # or its host unreachable) then fails the request with a 503 instead of holding its thread for good.
    DATABASE_CONNECT_TIMEOUT = 5
    # Seconds PostgreSQL lets one statement run before cancelling it; the app also gives up on a server
    # that sends no answer for 5 s longer (frozen: app/database/deadlines.py), so a request then fails
    # with the outage 503. 0: neither. Migrations run without either.
    DATABASE_STATEMENT_TIMEOUT = 15
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}

    # Where residents reach the site: the base of every link in mail, sent from a request or not (never
    # the request's Host header, which the client chooses; app/services/kernel/links.py).
    PUBLIC_URL = "http://localhost"
    # The city's time zone (an IANA name): pages, mail and messages show times in it and the web forms
    # read typed times in it; storage, the API and exports stay in UTC (app/services/kernel/city_time.py).
    CITY_TIMEZONE = "UTC"

    TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    TILE_ATTRIBUTION = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
    )

    # Reverse geocoding (app/services/gazetteer/geocoders.py): "gazetteer" (the streets imported with
    # `import-streets`), or "nominatim" / "photon" at GEOCODER_URL (self-hosted), which falls back to the
    # gazetteer when it fails or takes longer than GEOCODER_TIMEOUT seconds.
    GEOCODER = "gazetteer"
    GEOCODER_URL: str | None = None
    GEOCODER_TIMEOUT = 2.0
    # How far a report may lie from a street (metres) and from a house number to be placed "near" it.
    GAZETTEER_STREET_RADIUS_M = 250
    GAZETTEER_ADDRESS_RADIUS_M = 60
    PLACE_SEARCH_LIMIT = 8

    # A photo may be at most 10 MB; the whole request a little more for the other fields.
    PHOTO_MAX_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = PHOTO_MAX_BYTES + 512 * 1024
    PHOTO_MAX_SIDE = 2048
    UPLOAD_FOLDER: str | None = None  # default: <instance>/uploads
    # Where photo files live (app/photo_stores.py): "local" keeps them in UPLOAD_FOLDER.
    PHOTO_STORE = "local"

    # Flask-Compress: brotli when the browser takes it, else gzip, for text-like answers (pages, CSS,
    # JS, JSON, GeoJSON, SVG, feeds); images are already compressed. Streamed answers (the exports) go
    # out as they are produced, uncompressed. Static assets' compressed bodies are kept per process
    # (app/static_assets.StaticCompressionCache); everything else is compressed per response.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "image/svg+xml",
        "application/atom+xml",
        "text/xml",
        "text/plain",
    ]
    COMPRESS_STREAMS = False
    # Brotli quality 5 is the first to beat gzip -6 on our JS and GeoJSON at about the same cost
    # (docs/benchmarks.md, issue 17); 4 (Flask-Compress's default) came out larger than gzip.
    COMPRESS_BR_LEVEL = 5

    API_TOKEN_TTL = timedelta(days=30)
    # A login ends on the server after this long: "Keep me logged in" (the remember cookie's life),
    # else LOGIN_LIFETIME, a working day (found from outside: logins never ended on their own).
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    LOGIN_LIFETIME = timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # a form's token lives as long as the session

    RATELIMIT_ENABLED = True
    # memory:// counts per process (each gunicorn worker its own counters); redis://HOST:PORT/DB shares
    # the counters between every worker of every machine (production).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Redis unreachable: keep counting in each process's memory and keep serving (app/ratelimit_storage).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_REDIS_TIMEOUT = 0.5  # seconds per connect or command before the fallback takes over
    # Reverse proxies (load balancers) in front of the app that append the client to X-Forwarded-For;
    # the per-address limits count the client they name (app/proxies.py). 0: the connection's peer.
    TRUSTED_PROXIES = 0
    RATE_LIMIT_REGISTER = "10 per hour"
    # Login attempts (web form and API together), every attempt counted: per account named...
    RATE_LIMIT_LOGIN = "20 per 15 minutes"
    # ... and per client address, whatever accounts it tries (a school or an office shares one).
    RATE_LIMIT_LOGIN_ADDRESS = "60 per 15 minutes"
    RATE_LIMIT_CONFIRM_RESEND = "5 per hour"
    RATE_LIMIT_REPORT = "30 per hour"
    RATE_LIMIT_LIKE = "120 per minute"
    RATE_LIMIT_BACKING = "30 per minute"
    # Per resident, the group page and the API together: a member pledges a few times a round, and each
    # pending pledge waits in the treasurer's queue, so one member cannot flood it (a refused pledge,
    # a typo, does not count).
    RATE_LIMIT_PLEDGE = "10 per hour"
    RATE_LIMIT_CASHIER = "120 per minute"  # per official: confirming or cancelling pending backings
    RATE_LIMIT_UPDATE = "30 per hour"  # public updates and "not fixed" on issues
    RATE_LIMIT_FLAG = "30 per hour"  # residents flagging reports, updates and photos
    RATE_LIMIT_EXPORT = "10 per hour"  # "Download my data" (builds a ZIP with every photo)
    # Password reset requests (web form and API together), every request counted: per address named...
    RATE_LIMIT_PASSWORD_RESET = "5 per hour"
    # ... and per client address (it also counts new passwords set from reset links).
    RATE_LIMIT_PASSWORD_RESET_ADDRESS = "30 per hour"
    RATE_LIMIT_EMAIL_CHANGE = "5 per hour"  # per resident: each request mails two addresses
    # Census verification attempts per resident (web form and API together), against guessing.
    RATE_LIMIT_CENSUS_VERIFY = "10 per hour"
    # The name residents see for the site: the header, page titles, "My ...", mails and feeds. A
    # city names its own (FixMyStreet's cobrands, Decidim's organisation name); the software stays
    # Commonfix in its API title, commands and data exports.
    SITE_NAME = "Commonfix"
    # Where a resident turns to about their account (a blocked account is told to contact it).
    CITY_CONTACT = "the city's service desk"  # shown as "contact <this>"
    # Where a resident whose identifier is not on the census turns to (shown on the ballot page).
    CENSUS_CONTACT = "the city's service desk"  # shown as "contact <this>"
    CENSUS_MAX_BYTES = 5 * 1024 * 1024  # a census CSV larger than this is refused
    CENSUS_MAX_ENTRIES = 200_000

    RATE_LIMIT_VOTING_CODE = "10 per hour"  # per resident: typing voting codes (against guessing)

    RATE_LIMIT_PAYOUT = "120 per hour"  # per official: payouts and returns of a fix's remainder
    # The status an issue returns to when a resident says "not fixed" (within 30 days of the fix).
    REOPEN_STATUS = "new"

    DUPLICATE_RADIUS_M = 250
    DUPLICATE_LIMIT = 5
    # The staff inbox: days a report may wait open before it is overdue, for categories without their
    # own target (admins set those on /staff/admin/desk); visits closer together than the gap count as
    # one, so reloading the inbox keeps showing what was new since the visit before.
    STAFF_TARGET_DAYS = 7
    INBOX_VISIT_GAP_MINUTES = 30
    MAP_MAX_FEATURES = 500
    # The map gets clusters (exact counts per grid cell) at this zoom and below, pins above it.
    MAP_CLUSTER_MAX_ZOOM = 15
    # Grid cells per 256-pixel tile side: 3 makes cells about 85 pixels wide. With 3 (and zooms up to 15)
    # the counts kept per cell (issue_cells) answer; any other value counts the issues on every request.
    MAP_CLUSTER_CELLS_PER_TILE = 3
    API_MAX_PER_PAGE = 100

    # How pledges become money: "treasurer-confirmed" (a group admin confirms) or "test" (at once).
    PAYMENT_PROVIDER = "treasurer-confirmed"
    # The most one resident may back one problem with when no matching period is open for its area
    # (an open period's backer_cap_cents applies instead): EUR 100.
    BACKING_DEFAULT_CAP_CENTS = 10_000
    # What a resident whose backing waits for the city's cashier is told to do ({amount} and {reference}
    # are filled in); the cashier confirms on /staff/backings once the money arrived.
    # The default names no account: a made-up one would send residents' money nowhere (found from
    # outside: the demo's example IBAN was every deployment's default). The demo city's is DEMO_PAYMENT.
    BACKING_PAYMENT_INSTRUCTIONS = (
        "Pay {amount} to the city treasury or at the city hall cash desk, quoting the reference "
        "{reference}. Your backing counts once the cashier confirms the money arrived."
    )
    # Rounds with more ballots than this tally in the background (202 + a progress page).
    TALLY_SYNC_MAX_BALLOTS = 2000
    # A background tally's lease (seconds): renewed with each progress report; once it lapses (the
    # worker died) the sweep enqueues the job again and the next attempt takes the round over.
    TALLY_LEASE_SECONDS = 60
    # Members who have not voted are mailed once, this many hours before a round's closes_at.
    ROUND_REMINDER_HOURS = 24
    # Pabulib exports must name a country; a deployment sets its own.
    PABULIB_COUNTRY = "Germany"
    # The currency of the city's matching periods (their fund and caps), as shown in the match's sentence.
    MATCH_CURRENCY = "EUR"

    # The job queue (app/jobs): unset -> a SQLite file in the instance folder; redis://HOST:PORT/DB in
    # production; memory:// runs every job at once in the enqueuing process (tests).
    QUEUE_URL: str | None = None

    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    # Unset: mail comes from "SITE_NAME <noreply@localhost>" (app.load_config).
    MAIL_DEFAULT_SENDER: str | None = None
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    # "smtp" sends through MAIL_SERVER; "outbox" writes .eml files to MAIL_OUTBOX_DIR (<instance>/outbox).
    MAIL_BACKEND = "smtp"
    MAIL_OUTBOX_DIR: str | None = None
    # Delivery from the outbox table (app/mail_outbox.py): attempts before a mail is marked failed, the
    # first retry's delay (doubling after, at most 6 h), how long a worker holds a mail it is sending
    # (longer than a slow SMTP send), and how long the sweep leaves a new mail to its own job.
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RETRY_SECONDS = 60
    MAIL_SEND_LEASE_SECONDS = 300
    MAIL_SWEEP_AFTER_SECONDS = 60
    # An event's mail to more recipients than this (a problem's or an area's followers, a funded
    # problem's backers) is queued by a worker's "mail.fanout" job, not in the request that made the
    # change: building thousands of messages would hold the request (and SQLite's write lock) seconds.
    MAIL_FANOUT_INLINE = 50


# The demo city's example (development only): an account number that is plainly not a real one.
DEMO_PAYMENT = (
    "Transfer {amount} to the city's cashier account (Commonfix City Treasury, "
    "IBAN NL00 CFIX 0000 0000 00) or pay it at the city hall cash desk, quoting the reference "
    "{reference}. Your backing counts once the cashier confirms the money arrived."
)


class DevelopmentConfig(Config):
    SECRET_KEY_SOURCE = "instance"
    BACKING_PAYMENT_INSTRUCTIONS = DEMO_PAYMENT
    PUBLIC_URL = "http://127.0.0.1:5000"  # where `make run` serves
    MAIL_BACKEND = "outbox"


class TestingConfig(Config):
    TESTING = True
    QUEUE_URL = "memory://"
    SECRET_KEY_SOURCE = "ephemeral"
    RATELIMIT_ENABLED = False
    MAIL_BACKEND = "outbox"


class ProductionConfig(Config):
    DATABASE_URL_REQUIRED = True
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
    "DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", parse_database_url),
    "DATABASE_CONNECT_TIMEOUT": ("DATABASE_CONNECT_TIMEOUT", parse_connect_timeout),
    "DATABASE_STATEMENT_TIMEOUT": ("DATABASE_STATEMENT_TIMEOUT", parse_statement_timeout),
    "PUBLIC_URL": ("PUBLIC_URL", parse_public_url),
    "CITY_TIMEZONE": ("CITY_TIMEZONE", parse_timezone),
    "TILE_URL": ("TILE_URL", lambda _n, v: v),
    "TILE_ATTRIBUTION": ("TILE_ATTRIBUTION", lambda _n, v: v),
    "UPLOAD_FOLDER": ("UPLOAD_FOLDER", lambda _n, v: v),
    "PHOTO_STORE": ("PHOTO_STORE", lambda _n, v: v),
    "GEOCODER": ("GEOCODER", choice("gazetteer", "nominatim", "photon")),
    "GEOCODER_URL": ("GEOCODER_URL", parse_public_url),
    "GEOCODER_TIMEOUT": ("GEOCODER_TIMEOUT", parse_seconds),
    "RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", parse_bool),
    "RATELIMIT_STORAGE_URI": ("RATELIMIT_STORAGE_URI", lambda _n, v: v),
    "RATELIMIT_REDIS_TIMEOUT": ("RATELIMIT_REDIS_TIMEOUT", parse_seconds),
    "TRUSTED_PROXIES": ("TRUSTED_PROXIES", parse_proxy_count),
    "RATE_LIMIT_REGISTER": ("RATE_LIMIT_REGISTER", parse_rate),
    "RATE_LIMIT_LOGIN": ("RATE_LIMIT_LOGIN", parse_rate),
    "RATE_LIMIT_LOGIN_ADDRESS": ("RATE_LIMIT_LOGIN_ADDRESS", parse_rate),
    "RATE_LIMIT_REPORT": ("RATE_LIMIT_REPORT", parse_rate),
    "RATE_LIMIT_LIKE": ("RATE_LIMIT_LIKE", parse_rate),
    "RATE_LIMIT_BACKING": ("RATE_LIMIT_BACKING", parse_rate),
    "RATE_LIMIT_PLEDGE": ("RATE_LIMIT_PLEDGE", parse_rate),
    "RATE_LIMIT_CASHIER": ("RATE_LIMIT_CASHIER", parse_rate),
    "RATE_LIMIT_UPDATE": ("RATE_LIMIT_UPDATE", parse_rate),
    "RATE_LIMIT_PASSWORD_RESET": ("RATE_LIMIT_PASSWORD_RESET", parse_rate),
    "RATE_LIMIT_PASSWORD_RESET_ADDRESS": ("RATE_LIMIT_PASSWORD_RESET_ADDRESS", parse_rate),
    "RATE_LIMIT_EMAIL_CHANGE": ("RATE_LIMIT_EMAIL_CHANGE", parse_rate),
    "RATE_LIMIT_CENSUS_VERIFY": ("RATE_LIMIT_CENSUS_VERIFY", parse_rate),
    "CENSUS_CONTACT": ("CENSUS_CONTACT", lambda _n, v: v),
    "CITY_CONTACT": ("CITY_CONTACT", lambda _n, v: v),
    "SITE_NAME": ("SITE_NAME", parse_site_name),
    "RATE_LIMIT_VOTING_CODE": ("RATE_LIMIT_VOTING_CODE", parse_rate),
    "RATE_LIMIT_PAYOUT": ("RATE_LIMIT_PAYOUT", parse_rate),
    "API_TOKEN_TTL_DAYS": ("API_TOKEN_TTL", lambda n, v: timedelta(days=whole(1, 3650, "days")(n, v))),
    "PAYMENT_PROVIDER": ("PAYMENT_PROVIDER", choice("treasurer-confirmed", "test")),
    "BACKING_DEFAULT_CAP_CENTS": ("BACKING_DEFAULT_CAP_CENTS", whole(1, 100_000_000, "cents")),
    "BACKING_PAYMENT_INSTRUCTIONS": ("BACKING_PAYMENT_INSTRUCTIONS", lambda _n, v: v),
    "TALLY_SYNC_MAX_BALLOTS": ("TALLY_SYNC_MAX_BALLOTS", whole(0, 10_000_000, "ballots")),
    "TALLY_LEASE_SECONDS": ("TALLY_LEASE_SECONDS", whole(1, 3600, "seconds")),
    "ROUND_REMINDER_HOURS": ("ROUND_REMINDER_HOURS", whole(1, 720, "hours")),
    "MAP_CLUSTER_MAX_ZOOM": ("MAP_CLUSTER_MAX_ZOOM", whole(0, 18)),
    "PABULIB_COUNTRY": ("PABULIB_COUNTRY", lambda _n, v: v),
    "MATCH_CURRENCY": ("MATCH_CURRENCY", lambda _n, v: v),
    "QUEUE_URL": ("QUEUE_URL", lambda _n, v: v),
    "MAIL_SERVER": ("MAIL_SERVER", lambda _n, v: v),
    "MAIL_PORT": ("MAIL_PORT", whole(1, 65535)),
    "MAIL_DEFAULT_SENDER": ("MAIL_DEFAULT_SENDER", lambda _n, v: v),
    "MAIL_USERNAME": ("MAIL_USERNAME", lambda _n, v: v),
    "MAIL_PASSWORD": ("MAIL_PASSWORD", lambda _n, v: v),
    "MAIL_USE_TLS": ("MAIL_USE_TLS", parse_bool),
    "MAIL_BACKEND": ("MAIL_BACKEND", parse_mail_backend),
    "MAIL_OUTBOX_DIR": ("MAIL_OUTBOX_DIR", lambda _n, v: v),
    "MAIL_MAX_ATTEMPTS": ("MAIL_MAX_ATTEMPTS", whole(1, 100)),
    "MAIL_RETRY_SECONDS": ("MAIL_RETRY_SECONDS", whole(1, 86400, "seconds")),
    "MAIL_SEND_LEASE_SECONDS": ("MAIL_SEND_LEASE_SECONDS", whole(1, 86400, "seconds")),
    "MAIL_SWEEP_AFTER_SECONDS": ("MAIL_SWEEP_AFTER_SECONDS", whole(0, 86400, "seconds")),
    "MAIL_FANOUT_INLINE": ("MAIL_FANOUT_INLINE", whole(0, 100_000)),
    "STAFF_TARGET_DAYS": ("STAFF_TARGET_DAYS", whole(1, 365, "days")),
    "INBOX_VISIT_GAP_MINUTES": ("INBOX_VISIT_GAP_MINUTES", whole(0, 1440, "minutes")),
}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment overrides, parsed strictly."""
    settings: dict[str, Any] = {}
    for variable, (key, parse) in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw not in (None, ""):
            settings[key] = parse(variable, raw)
    return settings
