"""Staff workspace (officials and admins): issue actions, admin pages and the dashboard."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from app.staff import admin_routes, dashboard_routes, workflow_routes  # noqa: E402,F401
