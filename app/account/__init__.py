"""My Commonfix: the resident's account page, the data download, account deletion and the privacy page."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from app.account import routes  # noqa: E402,F401
