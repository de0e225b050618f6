"""An issue's public timeline on the web: posting updates, saying "not fixed", and the timeline partial."""

from flask import Blueprint

bp = Blueprint("timeline", __name__, url_prefix="/issues")

from app.timeline import routes  # noqa: E402,F401
