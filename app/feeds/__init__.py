"""Public Atom feeds: new issues city-wide and per area, and the updates of one issue."""

from flask import Blueprint

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

from app.feeds import routes  # noqa: E402,F401
