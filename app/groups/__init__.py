"""Neighbourhood groups and their pools: join, pledge, treasurer confirmation, matching, transparency."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from app.groups import (  # noqa: E402,F401
    admin_routes,
    city_ledger_routes,
    pledger_routes,
    pool_match_routes,
    pool_settings_routes,
    routes,
    treasurer_routes,
)
