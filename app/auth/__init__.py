"""Accounts on the web: register, log in, log out, and where I am logged in."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")

from app.auth import confirm_routes, routes, security_routes  # noqa: E402,F401
