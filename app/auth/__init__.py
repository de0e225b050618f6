"""Accounts on the web: register, log in, log out, reset the password, settings, where I am logged in."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")

from app.auth import confirm_routes, reset_routes, routes, security_routes, settings_routes  # noqa: E402,F401
