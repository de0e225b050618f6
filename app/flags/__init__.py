"""Flag this: residents flag a report, an update or a photo for the moderators."""

from flask import Blueprint

bp = Blueprint("flags", __name__)

from app.flags import routes  # noqa: E402,F401
