"""A held report's two buttons for its confirmed reporter: publish it, or discard it (held_reports says
when a report waits for them)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.issues import bp
from app.issues.forms import LikeForm
from app.photo_stores import photo_store
from app.services.issues import held_reports
from app.unit_of_work import is_access_error, unit_of_work


@bp.post("/<int:issue_id>/held/publish")
@login_required
def publish_held(issue_id: int) -> Response:
    if not LikeForm().validate_on_submit():
        abort(400)
    with unit_of_work(reraise=is_access_error) as work:
        held_reports.publish_held_report(db.session, current_resident(), issue_id)
    if work.error is None:
        flash("Your report is published: it is on the map, and residents can like it.", "success")
    return redirect(url_for("issues.detail", issue_id=issue_id))


@bp.post("/<int:issue_id>/held/discard")
@login_required
def discard_held(issue_id: int) -> Response:
    if not LikeForm().validate_on_submit():
        abort(400)
    files: list[str] = []
    with unit_of_work(reraise=is_access_error) as work:
        files = held_reports.discard_held_report(db.session, current_resident(), issue_id)
    if work.error is not None:
        return redirect(url_for("issues.detail", issue_id=issue_id))
    for name in files:  # after the commit: a rolled-back deletion keeps its photos
        photo_store().delete(name)
    flash("The report is deleted. It was never public.", "success")
    return redirect(url_for("account.home", _anchor="reports"))
