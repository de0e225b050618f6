"""The city's transparency page: every cent from pledge or backing to payout; chart, table and CSV."""

from flask import Blueprint

bp = Blueprint("transparency", __name__)

from app.transparency import routes  # noqa: E402,F401
