"""JSON API under /api/v1 (GeoJSON for places), described by /api/v1/openapi.json."""

from __future__ import annotations

from flask import Blueprint, g, request
from flask_login import current_user

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def protect_cookie_sessions() -> None:
    """Bearer-token clients need no CSRF token; browsers using the login cookie do."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if current_user.is_authenticated and not g.get("authenticated_by_token", False):
        csrf.protect()


from app.api import (  # noqa: E402,F401  # noqa: E402,F401
    account_settings,
    accounts,
    backing_confirmations,
    backings,
    census,
    estimates,
    exports,
    flags,
    funding,
    group_admins,
    issues,
    matching,
    mydata,
    openapi,
    own_reports,
    paper,
    payouts,
    places,
    reference,
    rounds,
    workflow,
)
