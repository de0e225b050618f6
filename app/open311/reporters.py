"""Who posts a GeoReport request: the holder of its api_key, read once per request, and the report
limit's key, so that a resident's quota is the same by Open311 as by the API and the web form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.models import User
from app.ratelimits import by_address
from app.services.accounts import users as accounts


def request_values() -> Mapping[str, Any] | None:
    """The request's fields, posted as a form or as one JSON object; None for any other body, and for
    a form that is not UTF-8 (Werkzeug drops such a form whole: found from outside, one Latin-1 byte in
    a description was answered "api_key is missing or invalid")."""
    if request.form:
        return request.form
    if request.mimetype == "application/x-www-form-urlencoded" and (request.content_length or 0) > 0:
        return None
    values = request.get_json(silent=True) or {}
    return values if isinstance(values, Mapping) else None


def reporter() -> User | None:
    """The holder of the request's API key (`api_key` field or Authorization header), None when it is
    missing or works for nobody; looked up once per request."""
    if "open311_reporter" not in g:
        header = request.headers.get("Authorization", "")
        key = str((request_values() or {}).get("api_key") or header.removeprefix("Bearer ").strip() or "")
        g.open311_reporter = accounts.user_for_token(db.session, key) if key else None
    found: User | None = g.open311_reporter
    return found


def per_reporter() -> str:
    """The report limit's key: the key's resident, counted with their reports by the API and the web
    form (not the address, which a city's integrator shares among many residents); the address when the
    key works for nobody (the view refuses it). Never raises: Flask-Limiter would take an error here for
    its storage failing (app/ratelimits.py); the view meets a body or database error again itself."""
    try:
        user = reporter()
    except (HTTPException, SQLAlchemyError):
        return by_address()
    return f"user:{user.id}" if user is not None else by_address()
