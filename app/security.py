"""Security headers on every response (CORS on public reads), and the role checks that guard staff routes."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, g, redirect, request, session, url_for
from flask_login import current_user

from app.errors import wants_json
from app.services.kernel.errors import PermissionDenied
from app.services.kernel.roles import require_not_blocked

F = TypeVar("F", bound=Callable[..., Any])


def csp_nonce() -> str:
    """This request's script nonce, made before the request is handled (`g.csp_nonce`, which the
    templates read): our inline scripts (the maps folium writes, a few page set-ups) carry it and
    run; a script or event handler that markup injected into a page does not, as it cannot know it."""
    nonce: str = g.csp_nonce
    return nonce


def content_security_policy(nonce: str | None) -> str:
    """The policy: scripts only from our own files, or inline with this response's nonce.

    Styles keep 'unsafe-inline': Leaflet and folium position map panes, markers and popups with
    style attributes, and a style cannot run code.
    """
    scripts = "script-src 'self'" if nonce is None else f"script-src 'self' 'nonce-{nonce}'"
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data: blob: https:",
            scripts,
            "style-src 'self' 'unsafe-inline'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


# Reads other programs may make from a browser on another origin (a city's map, a civic-tech page):
# Open311, the JSON API, the feeds and the public ledgers' CSVs (the city's, the transparency page's
# and each pool's, found from outside: the open-data page promised them and they had no header).
PUBLIC_READ_PREFIXES = ("/open311/", "/api/v1/", "/feeds/")
# The public ledgers' CSVs: the city's and each pool's postings, and a pool's lines (found from outside:
# a pool's ledger-lines.csv, listed in the README, could not be read from another site).
PUBLIC_READ_SUFFIXES = ("/ledger.csv", "/ledger-lines.csv")
# What a script on another origin may send to Open311 (a form or JSON body, an api_key or a token),
# and read back.
OPEN311_METHODS = "GET, HEAD, POST"
OPEN311_HEADERS = "Authorization, Content-Type, If-None-Match"
OPEN311_EXPOSED = "Retry-After, ETag"
# A public read's answer: its ETag for polling with If-None-Match (which the open-data page documents),
# and how long to wait after a 429 (found from outside: neither could be read, and a read sending
# If-None-Match failed its preflight).
PUBLIC_READ_EXPOSED = "ETag, Retry-After"
PUBLIC_READ_HEADERS = "If-None-Match"


def open_to_other_origins() -> bool:
    """A GET or HEAD of Open311, the JSON API, the feeds or a ledger CSV, or anything under Open311
    (its POST authenticates by api_key or token, never by the login cookie).

    The wildcard comes without Access-Control-Allow-Credentials, so a browser never sends the login
    cookie with such a request nor lets a script read an answer made with it; a script on another
    origin reads what an anonymous client reads. API writes and pages stay same-origin."""
    if request.path.startswith("/open311/"):
        return True
    return (request.method in ("GET", "HEAD") or is_read_preflight()) and (
        request.path.startswith(PUBLIC_READ_PREFIXES) or request.path.endswith(PUBLIC_READ_SUFFIXES)
    )


def is_read_preflight() -> bool:
    """The browser's question before a public read that sends If-None-Match (a header that makes it ask),
    without an Authorization header (a token client's preflight is `from_token_client`'s)."""
    if request.method != "OPTIONS" or request.headers.get("Access-Control-Request-Method") not in (
        "GET",
        "HEAD",
    ):
        return False
    asked = request.headers.get("Access-Control-Request-Headers", "")
    return "authorization" not in {name.strip().lower() for name in asked.split(",")}


# What a token client's script on another origin may send, and read back from the answer.
TOKEN_CLIENT_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
TOKEN_CLIENT_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match"
TOKEN_CLIENT_EXPOSED = (
    "ETag, Location, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)


def from_token_client() -> bool:
    """A JSON API request carrying an `Authorization` header, or the browser's preflight asking to send
    one: a script on another origin may use an API token the resident gave it (a token is no ambient
    credential, so this opens nothing to cross-site forgery). Nothing is opened without the header:
    getting a token with a password (POST /tokens) and cookie sessions stay same-origin."""
    if not request.path.startswith("/api/v1/"):
        return False
    if request.method == "OPTIONS":
        asked = request.headers.get("Access-Control-Request-Headers", "")
        return "authorization" in {name.strip().lower() for name in asked.split(",")}
    return bool(request.headers.get("Authorization"))


def register_security_headers(app: Flask) -> None:
    def make_nonce() -> None:
        g.csp_nonce = secrets.token_urlsafe(18)

    # First of all the before-request hooks: a page rendered for an error that an earlier one raised
    # (the CSRF check, the 413 of reading a too-large form) had an empty nonce, so its scripts were
    # refused and phones got the no-JavaScript layout (found from outside).
    app.before_request_funcs.setdefault(None, []).insert(0, make_nonce)

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        nonce = g.get("csp_nonce") if response.mimetype == "text/html" else None
        headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(self), microphone=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if open_to_other_origins():
            headers.setdefault("Access-Control-Allow-Origin", "*")
            if request.path.startswith("/open311/"):
                # A JSON body or a token makes the browser ask first (found from outside: the preflight
                # named no method or header, so such a POST from another origin failed).
                headers.setdefault("Access-Control-Expose-Headers", OPEN311_EXPOSED)
                if request.method == "OPTIONS":
                    headers.setdefault("Access-Control-Allow-Methods", OPEN311_METHODS)
                    headers.setdefault("Access-Control-Allow-Headers", OPEN311_HEADERS)
                    headers.setdefault("Access-Control-Max-Age", "600")
            else:
                headers.setdefault("Access-Control-Expose-Headers", PUBLIC_READ_EXPOSED)
                if request.method == "OPTIONS":
                    headers.setdefault("Access-Control-Allow-Methods", "GET, HEAD")
                    headers.setdefault("Access-Control-Allow-Headers", PUBLIC_READ_HEADERS)
                    headers.setdefault("Access-Control-Max-Age", "600")
        elif from_token_client():
            headers.setdefault("Access-Control-Allow-Origin", "*")
            headers.setdefault("Access-Control-Expose-Headers", TOKEN_CLIENT_EXPOSED)
            if request.method == "OPTIONS":
                headers.setdefault("Access-Control-Allow-Methods", TOKEN_CLIENT_METHODS)
                headers.setdefault("Access-Control-Allow-Headers", TOKEN_CLIENT_HEADERS)
                headers.setdefault("Access-Control-Max-Age", "600")
        if request.headers.get("Authorization") or "_user_id" in session:
            # An answer to a token's holder, or anything shown to someone logged in (read from the
            # session, not the database, so it holds while the database is out of reach), is theirs: no
            # cache keeps it, shared or the browser's own for the next person at a shared computer. The
            # JSON API read with a login's cookie included (found from outside: the account's address,
            # a ballot and the officials' queues went out with no Cache-Control). Answers that set
            # their own (static files, photos, feeds) keep it.
            headers.setdefault("Cache-Control", "private, no-store")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


_WHO = {
    frozenset({"admin"}): "the site's admins",
    frozenset({"official", "admin"}): "city officials and admins",
}


def role_refusal(roles: tuple[str, ...]) -> PermissionDenied:
    """The 403 of a role that may not use a page, saying whose page it is."""
    return PermissionDenied(f"This is for {_WHO.get(frozenset(roles), 'other roles')} only.")


def roles_required(*roles: str) -> Callable[[F], F]:
    """Refuse anonymous users (a page's GET goes to the login form, as the staff pages do; anything else
    is 401), users without one of `roles` and blocked accounts (403).

    Every guarded view is a staff view, so a blocked official reads none of them either (found from
    outside: the flag queue, the cashier's backings, the census and the dashboard still showed residents'
    names, notes and payment references to a blocked official, whose actions were refused)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                if request.method == "GET" and not wants_json():
                    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
                abort(401)
            if current_user.role not in roles:
                # Saying whose page it is (found from outside: an official sent to an admin page read
                # only "Your account is not allowed to do this").
                raise role_refusal(roles)
            require_not_blocked(current_user)  # 403 saying why
            return view(*args, **kwargs)

        # Read by the role x route test: every guarded view declares who may use it.
        wrapped.required_roles = roles  # type: ignore[attr-defined]  # functions take attributes; typeshed has none
        return wrapped  # type: ignore[return-value]  # @wraps keeps the view's signature: same F

    return decorator
