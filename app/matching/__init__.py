"""The city's matching periods: the public period pages, officials creating and closing periods."""

from flask import Blueprint

bp = Blueprint("matching", __name__)

from app.matching import routes  # noqa: E402,F401
