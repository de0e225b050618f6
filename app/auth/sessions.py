"""How a request is tied to a user: the login session, or an `Authorization: Bearer` token."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request, abort, current_app, flash, g, redirect, request, session
from flask_login import LoginManager, current_user, login_url, login_user, logout_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.auth.devices import describe_device
from app.extensions import db
from app.models import User
from app.models.account import TokenHolder
from app.services.accounts.logins import end_login, start_login, user_for_login
from app.services.accounts.users import holder_for_token, user_for_token


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def current_resident() -> User:
    """The logged-in User behind flask_login's untyped `current_user` proxy, for page views.

    Pages load a User from the login session (never from a token: load_user_from_token); an anonymous
    visitor gets 401, as roles_required answers. API views use app.api.auth.require_user, since a token
    request's user is its TokenHolder.
    """
    user = current_user._get_current_object()  # the object, not the proxy
    if not isinstance(user, User):
        abort(401)
    return user


def log_in(user: User, remember: bool) -> None:
    """Start a login on this device (flushed; the view commits) and hand it to Flask-Login's cookies.

    The session's CSRF secret is replaced: a token someone planted or read before the login (on a
    shared computer, say) does not carry over into the logged-in session."""
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["LOGIN_LIFETIME"]
    start_login(db.session, user, describe_device(request.headers.get("User-Agent", "")), lifetime)
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(field, None)
    g.pop(field, None)  # Flask-WTF's token for this request, made from the old secret
    login_user(user, remember=remember)


def log_out(user: User) -> None:
    """End this device's login (the view commits), then clear its session and remember cookie."""
    end_login(db.session, user)
    logout_user()


TOKEN_BLUEPRINTS = ("api", "open311")  # where an Authorization: Bearer token is a credential


def _token_request(request: Request) -> bool:
    """Whether the request carries a bearer token where a token is a credential."""
    return request.blueprint in TOKEN_BLUEPRINTS and bearer_token(request) is not None


def _token_user(request: Request) -> User | TokenHolder | None:
    """On the API, the token's holder (app/api/auth.py loads the User when a view needs it); on
    Open311, the User; an unknown or revoked token is nobody (401), even beside a login cookie.
    Pages ignore a token: it is a script's credential for the APIs, not a login (found from
    outside: a token, which a password change keeps, opened My Commonfix and its forms)."""
    token = bearer_token(request)
    if token is None or not _token_request(request):
        return None
    user: User | TokenHolder | None
    if request.blueprint == "api":
        user = holder_for_token(db.session, token)
    else:
        user = user_for_token(db.session, token)
    g.authenticated_by_token = user is not None
    return user


def register_user_loaders(login_manager: LoginManager) -> None:
    login_manager.login_view = "auth.login"

    @login_manager.unauthorized_handler
    def to_login() -> Response:
        """To the login page, and back after it: to the page asked for, or for a form sent after the
        login ended, to the page that held the form (found from outside: a pledge sent from a tab whose
        login had ended came back after logging in as a 405 page for the form's POST-only address)."""
        if request.method in ("GET", "HEAD"):
            flash("Log in to continue.", "info")
            return redirect(login_url("auth.login", request.full_path.rstrip("?")))
        flash("Your login had ended, so nothing was sent: log in, then send it again.", "error")
        return redirect(login_url("auth.login", _form_page()))

    @login_manager.user_loader
    def load_user(user_id: str) -> User | TokenHolder | None:
        """The session cookie's or remember token's login, only while it has not ended; on the APIs, a
        request's bearer token instead, whoever the cookie says (found from outside: with both, the API
        acted as the cookie's user and asked a token's write for a CSRF token)."""
        if _token_request(request):
            return _token_user(request)
        return user_for_login(db.session, user_id)

    @login_manager.request_loader
    def load_user_from_token(request: Request) -> User | TokenHolder | None:
        return _token_user(request)


def _form_page() -> str:
    """The path of the page a form was sent from, when the browser says, it is this site's and it is a
    page (found from outside: a form's error page shown at its POST-only address led back there)."""
    try:
        came_from = urlsplit(request.referrer or "")
    except ValueError:  # a Referer urllib cannot read ("http://[oops/"): no page to go back to
        return "/"
    if came_from.netloc != request.host or not came_from.path.startswith("/"):
        return "/"
    try:
        current_app.url_map.bind(request.host).match(came_from.path, method="GET")
    except HTTPException:  # not found, not a page (POST only), or a redirect to one
        return "/"
    return came_from.path + (f"?{came_from.query}" if came_from.query else "")
