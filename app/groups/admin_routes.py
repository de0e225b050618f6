"""Officials appoint a group's members as its admins (its treasurers), and remove them."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.groups import bp
from app.groups.forms import ActionForm, AppointAdminForm
from app.groups.routes import STAFF
from app.security import roles_required
from app.services.funding import group_admins, groups
from app.unit_of_work import unit_of_work


def _to_admins(group_id: int) -> Response:
    return redirect(url_for("groups.detail", group_id=group_id) + "#admins")


@bp.post("/groups/<int:group_id>/admins")
@roles_required(*STAFF)
def appoint_admin(group_id: int) -> Response:
    form = AppointAdminForm()
    if not form.validate_on_submit():
        flash(" ".join(form.email.errors) or "The form expired; reload the page and try again.", "error")
        return _to_admins(group_id)
    with unit_of_work(flash_prefix="Nobody was appointed: ") as work:
        user_id = group_admins.member_by_email(db.session, group_id, form.email.data or "")
        held = groups.membership(db.session, user_id, group_id)
        already = held is not None and held.is_admin
        found = group_admins.set_group_admin(db.session, current_resident(), group_id, user_id, True)
    if not work.failed:
        # Found from outside: appointing an admin again said they were "now" one.
        said = "is already an admin" if already else "is now an admin"
        flash(f"{found.display_name} {said} of this group.", "info" if already else "success")
    return _to_admins(group_id)


@bp.post("/groups/<int:group_id>/admins/<int:user_id>/remove")
@roles_required(*STAFF)
def remove_admin(group_id: int, user_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    with unit_of_work(flash_prefix="Nothing changed: ") as work:
        found = group_admins.set_group_admin(db.session, current_resident(), group_id, user_id, False)
    if not work.failed:
        flash(f"{found.display_name} no longer runs this group; they stay a member.", "success")
    return _to_admins(group_id)
