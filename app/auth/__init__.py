"""Accounts on the web: register, log in, log out."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")

from app.auth import routes  # noqa: E402,F401
