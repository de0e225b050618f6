"""Open311 GeoReport v2 under /open311/v2, in JSON and XML, over the same services as the JSON API."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

from app.open311 import routes  # noqa: E402,F401
