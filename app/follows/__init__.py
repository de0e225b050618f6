"""Following issues and areas (email alerts), and the login-free one-click unsubscribe."""

from flask import Blueprint

bp = Blueprint("follows", __name__, url_prefix="/follows")

from app.follows import routes  # noqa: E402,F401
