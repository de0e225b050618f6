"""Staff workspace (officials and admins): issue actions, admin pages and the dashboard."""

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.security import role_refusal
from app.services.kernel.roles import require_not_blocked

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.before_request
def staff_only() -> Response | None:
    """Anonymous visitors are sent to log in (or get 401 for a POST); residents and blocked staff get 403
    (a blocked official reads no staff page either: security.roles_required says why)."""
    if not current_user.is_authenticated:
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(401)
    if not current_user.has_staff_role:
        raise role_refusal(("official", "admin"))
    require_not_blocked(current_user)  # 403 saying why
    return None


from app.staff import (  # noqa: E402,F401
    admin_routes,
    cashier_routes,
    category_routes,
    census_routes,
    dashboard_routes,
    desk_admin_routes,
    estimate_routes,
    flag_routes,
    inbox_routes,
    payout_routes,
    workflow_routes,
)
