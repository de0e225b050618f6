"""Reporting problems, the problem page, photos and likes on the web."""

from flask import Blueprint

bp = Blueprint("issues", __name__, url_prefix="/issues")

from app.issues import backing_routes, own_routes, routes  # noqa: E402,F401
