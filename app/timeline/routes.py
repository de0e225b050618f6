"""Posting a public update or "not fixed" from the issue page, and what the timeline partial shows."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.fields import ask_photo_again, uploaded_bytes
from app.models import Issue
from app.photo_stores import photo_settings
from app.ratelimits import limit
from app.services.issues import timeline
from app.services.workflow import status_changes as workflow
from app.services.workflow import updates
from app.timeline import bp
from app.timeline.forms import NotFixedForm, UpdateForm
from app.unit_of_work import unit_of_work


def _issue_url(issue_id: int, anchor: str = "timeline") -> str:
    return url_for("issues.detail", issue_id=issue_id, _anchor=anchor)


def timeline_panel(issue: Issue, update_form: UpdateForm | None = None) -> dict[str, object]:
    """What the timeline partial shows: the entries this viewer may see and the forms to add to it
    (`update_form`: an update refused, shown again with its text and the reason)."""
    staff = bool(current_user.is_authenticated and current_user.is_staff)
    status_type = issue.status_info.type if issue.status_info is not None else "open"
    # A report not published (held, or withdrawn by its reporter) takes no update (found from outside:
    # the forms were shown, and posting answered "There is no issue").
    unpublished = issue.awaiting_confirmation or issue.withdrawn_at is not None
    return {
        "entries": timeline.timeline(db.session, issue.id, staff=staff),
        "update_form": None if unpublished else update_form or UpdateForm(),
        "not_fixed_form": (
            NotFixedForm() if not unpublished and workflow.can_say_not_fixed(issue, status_type) else None
        ),
    }


@bp.post("/<int:issue_id>/updates")
@login_required
@limit("RATE_LIMIT_UPDATE", per_user=True)
def post_update(issue_id: int) -> Response | tuple[str, int]:
    form = UpdateForm()
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(_issue_url(issue_id, "update-form"))
    photo = uploaded_bytes(form.photo.data)
    with unit_of_work(form) as work:
        updates.post_update(
            db.session,
            current_resident(),
            issue_id,
            form.text.data,
            photo=photo,
            photo_settings=photo_settings(),
        )
    if work.error is not None:
        # The problem page again with what was typed (a redirect emptied it), the reason under its
        # field and the text focused, so the page opens at the form. A photo is chosen again.
        flash(f"Your update was not posted: {work.error.message}", "error")
        ask_photo_again(form.photo)
        form.text.render_kw = {**(form.text.render_kw or {}), "autofocus": True}
        # Imported here: the problem page's module imports this one's timeline_panel.
        from app.issues.routes import detail_page

        return detail_page(issue_id, update_form=form), work.error.status
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
    with unit_of_work() as work:
        workflow.not_fixed(
            db.session,
            current_resident(),
            issue_id,
            form.note.data,
            reopen_status=current_app.config["REOPEN_STATUS"],
        )
    if work.failed:
        return redirect(_issue_url(issue_id))
    flash("Thank you: the problem is open again and the city has been told.", "success")
    return redirect(_issue_url(issue_id))
