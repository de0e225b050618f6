"""Error handlers: JSON {"error": {code, message, field}} under /api, GeoReport v2's error list under
/open311, pages elsewhere."""

from __future__ import annotations

import time

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from app.database.outages import database_unreachable, outage_summary
from app.extensions import db, limiter
from app.open311.formats import render_errors
from app.services.kernel.errors import DomainError

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "database_unavailable",
}

MESSAGES = {
    401: "Log in, or send an Authorization: Bearer token, to do this.",
    403: "Your account is not allowed to do this.",
    404: "There is nothing at this address.",
    413: "The upload is too large: a photo may be at most 10 MB.",
    429: "Too many requests: wait a little and try again.",
    500: "Something went wrong on our side; nothing was saved.",
    503: "The site cannot reach its database at the moment, so nothing was saved. "
    "Please try again in a minute.",
}

# Seconds a client is asked to wait when the database is out of reach (a restart or a failover).
RETRY_AFTER_OUTAGE = "30"


def wants_json() -> bool:
    """JSON for the API, Open311, any `.json` route (such as the dashboard's heat.json) and clients that
    ask for it."""
    return (
        request.path.startswith(("/api/", "/open311/"))
        or request.path.endswith(".json")
        or request.accept_mimetypes.best == "application/json"
    )


def georeport_error(status: int, message: str, field: str | None = None) -> Response | None:
    """Under /open311/, GeoReport v2's `[{code, description}]` in the format the URL names (XML for
    `.xml`), so its clients read a route's 404, a 405 or a 429 as they read the views' own errors."""
    if not request.path.startswith("/open311/"):
        return None
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render_errors(status, f"{field}: {message}" if field else message, fmt)


def wait_words(seconds: int) -> str:
    """How long a Retry-After asks a person to wait, in words: "a minute", "58 minutes", "an hour"."""
    minutes = -(-max(seconds, 1) // 60)
    if minutes == 1:
        return "a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(minutes / 60)
    return "an hour" if hours == 1 else f"{hours} hours"


def retry_after() -> int:
    """Seconds until the limit this request broke lets it through again (the Retry-After that
    Flask-Limiter writes on the response); 60 when no limit says."""
    broken = limiter.current_limit
    return max(int(broken.reset_at - time.time()), 1) if broken is not None else 60


def error_response(
    status: int, message: str, field: str | None = None, code: str | None = None, wait: str | None = None
) -> Response:
    code = code or HTTP_CODES.get(status, "error")
    georeport = georeport_error(status, message, field)
    if georeport is not None:
        return georeport
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message, "field": field}})
        if status == 401:  # RFC 9110 15.5.2, RFC 6750 3 (found from outside: a 401 named no scheme)
            response.headers["WWW-Authenticate"] = 'Bearer realm="Commonfix API"'
    else:
        response = Response(
            render_template(
                "errors/error.html", status=status, message=message, field=field, code=code, wait=wait
            )
        )
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        db.session.rollback()
        return error_response(error.status, error.message, error.field, error.code)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        db.session.rollback()
        return error_response(
            400,
            "The form's security token (CSRF) is missing or has expired; reload the page and try again.",
            "csrf_token",
            "csrf_failed",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Response:
        db.session.rollback()
        if request.mimetype == "multipart/form-data":  # a form with a file: the photo is what is large
            return error_response(413, MESSAGES[413], "photo")
        limit = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return error_response(413, f"The request is too large: at most {limit:.1f} MB is accepted.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        db.session.rollback()
        status = error.code or 500
        message = MESSAGES.get(status) or error.description or "Request failed."
        # A person reads on the page how long the limit's Retry-After is (a pledge's can be most of an hour).
        response = error_response(status, message, wait=wait_words(retry_after()) if status == 429 else None)
        if status == 429:
            # Flask-Limiter adds Retry-After to its own response; keep it on ours.
            original = error.get_response()
            for header in ("Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
                if header in original.headers:
                    response.headers[header] = original.headers[header]
            response.headers.setdefault("Retry-After", "60")
        if status == 405 and isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> Response:
        if not database_unreachable(error):
            return unexpected(error)
        # The session's connection is gone or never came: discard it without another round trip.
        db.session.close()
        app.logger.warning("Database unreachable, answered 503: %s", outage_summary(error))
        return unavailable_response()

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        db.session.rollback()
        app.logger.exception("Unhandled error")
        return error_response(500, MESSAGES[500])


def unavailable_response() -> Response:
    """503 with Retry-After: the error JSON, or a page that needs nothing from the database.

    The page is rendered without the context processors: Flask-Login's puts `current_user` in every
    template's context, and loading a logged-in user is a query, which would fail again.
    """
    code = HTTP_CODES[503]
    georeport = georeport_error(503, MESSAGES[503])
    if georeport is not None:
        response = georeport
    elif wants_json():
        response = jsonify({"error": {"code": code, "message": MESSAGES[503], "field": None}})
    else:
        page = current_app.jinja_env.get_template("errors/unavailable.html")
        response = Response(page.render(message=MESSAGES[503]))
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER_OUTAGE
    response.headers["Cache-Control"] = "no-store"
    return response
