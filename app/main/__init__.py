"""The city map and the Top priorities list."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import routes  # noqa: E402,F401
from app.main.formatting import register_filters  # noqa: E402

register_filters(bp)
