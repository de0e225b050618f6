"""API: the city appoints a group's members as its admins (its treasurers), and removes them."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import Reply, operation
from app.api.models import funding as shapes
from app.extensions import db
from app.services.funding import group_admins


def _admins(group_id: int) -> Response:
    return jsonify(
        {
            "group_id": group_id,
            "admins": [
                {"user_id": user_id, "display_name": name}
                for user_id, name, _email in group_admins.group_admins(db.session, group_id)
            ],
        }
    )


@bp.put("/groups/<int:group_id>/admins/<int:user_id>")
@operation(
    operation_id="appointGroupAdmin",
    summary="Make a member one of the group's admins, its treasurers (officials; idempotent)",
    replies={200: Reply("The group's admins now", shapes.GroupAdmins)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def appoint_group_admin(group_id: int, user_id: int) -> Response:
    group_admins.set_group_admin(db.session, require_user(), group_id, user_id, True)
    db.session.commit()
    return _admins(group_id)


@bp.delete("/groups/<int:group_id>/admins/<int:user_id>")
@operation(
    operation_id="removeGroupAdmin",
    summary="A member no longer runs the group; they stay a member (officials; idempotent)",
    replies={200: Reply("The group's admins now", shapes.GroupAdmins)},
    errors=(401, 403, 404),
    secured=True,
)
def remove_group_admin(group_id: int, user_id: int) -> Response:
    group_admins.set_group_admin(db.session, require_user(), group_id, user_id, False)
    db.session.commit()
    return _admins(group_id)
