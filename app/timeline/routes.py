"""Posting a public update or "not fixed" from the issue page, and the template globals its partial uses."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Issue
from app.ratelimits import limit
from app.services.issues import timeline
from app.services.issues.reports import PhotoSettings
from app.services.kernel.errors import DomainError
from app.services.workflow import status_changes as workflow
from app.services.workflow import updates
from app.timeline import bp
from app.timeline.forms import NotFixedForm, UpdateForm


def _issue_url(issue_id: int, anchor: str = "timeline") -> str:
    return url_for("issues.detail", issue_id=issue_id, _anchor=anchor)


@bp.app_template_global()
def issue_timeline(issue: Issue) -> list[timeline.TimelineEntry]:
    staff = bool(current_user.is_authenticated and current_user.is_staff)
    return timeline.timeline(db.session, issue.id, staff=staff)


@bp.app_template_global()
def timeline_forms(issue: Issue) -> dict[str, object]:
    status_type = issue.status_info.type if issue.status_info is not None else "open"
    return {
        "update_form": UpdateForm(),
        "not_fixed_form": NotFixedForm() if workflow.can_say_not_fixed(issue, status_type) else None,
    }


def _flash_error(exc: DomainError) -> None:
    flash(exc.message, "error")


@bp.post("/<int:issue_id>/updates")
@login_required
@limit("RATE_LIMIT_UPDATE", per_user=True)
def post_update(issue_id: int) -> Response:
    form = UpdateForm()
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(_issue_url(issue_id, "update-form"))
    photo = (
        form.photo.data.read()
        if isinstance(form.photo.data, FileStorage) and form.photo.data.filename
        else None
    )
    config = current_app.config
    try:
        updates.post_update(
            db.session,
            current_resident(),
            issue_id,
            form.text.data,
            photo=photo,
            photo_settings=PhotoSettings.from_config(config),
        )
    except DomainError as exc:
        db.session.rollback()
        _flash_error(exc)
        return redirect(_issue_url(issue_id, "update-form"))
    db.session.commit()
    flash("Your update is posted.", "success")
    return redirect(_issue_url(issue_id))


@bp.post("/<int:issue_id>/not-fixed")
@login_required
@limit("RATE_LIMIT_UPDATE", per_user=True)
def not_fixed(issue_id: int) -> Response:
    form = NotFixedForm()
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(_issue_url(issue_id))
    try:
        workflow.not_fixed(
            db.session,
            current_resident(),
            issue_id,
            form.note.data,
            reopen_status=current_app.config["REOPEN_STATUS"],
        )
    except DomainError as exc:
        db.session.rollback()
        _flash_error(exc)
        return redirect(_issue_url(issue_id))
    db.session.commit()
    flash("Thank you: the problem is open again and the city has been told.", "success")
    return redirect(_issue_url(issue_id))
