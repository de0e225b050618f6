"""A reporter's own report: hide or show their name, and, while nobody else has taken it up, correct
it or withdraw it (app/services/issues/own_reports.py says when); publish or delete one held since
before their address was confirmed (app/services/issues/held_reports.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.issues import bp
from app.issues.forms import CorrectForm, LikeForm
from app.photo_stores import photo_store
from app.services.issues import held_reports, own_reports
from app.services.kernel.errors import ValidationError
from app.unit_of_work import is_access_error, unit_of_work


@bp.post("/<int:issue_id>/name")
@login_required
def reporter_name(issue_id: int) -> Response:
    if not LikeForm().validate_on_submit():
        abort(400)
    choice = request.form.get("hide")
    if choice not in ("yes", "no"):
        raise ValidationError("Choose whether to hide your name: “hide” is yes or no.", "hide")
    with unit_of_work(reraise=is_access_error) as work:
        own_reports.set_name_hidden(db.session, current_resident(), issue_id, choice == "yes")
    if work.error is None:
        flash(
            "Your name is hidden on this report: it reads “a resident”."
            if choice == "yes"
            else "Your name is shown on this report.",
            "success",
        )
    return redirect(url_for("issues.detail", issue_id=issue_id))


@bp.route("/<int:issue_id>/correct", methods=["GET", "POST"])
@login_required
def correct(issue_id: int) -> Response | tuple[str, int]:
    with unit_of_work(reraise=is_access_error, show=False):
        issue = own_reports.own_report(db.session, current_resident(), issue_id)
    form = CorrectForm(data={"title": issue.title, "description": issue.description})
    status = 200
    if form.validate_on_submit():
        with unit_of_work(form, reraise=is_access_error) as work:
            own_reports.correct(
                db.session, current_resident(), issue_id, form.title.data, form.description.data
            )
        if work.error is None:
            flash("Your report is corrected.", "success")
            return redirect(url_for("issues.detail", issue_id=issue_id))
        status = work.error.status
    taken = own_reports.taken_up_by(db.session, issue)
    return render_template("issues/correct.html", issue=issue, form=form, taken=taken), status


def _deleted(issue_id: int, delete: Callable[[], list[str]], said: str) -> Response:
    """Run a deletion of the reporter's report; after its commit remove its photos (a rolled-back one
    keeps them) and go to My reports; a refusal goes back to the report."""
    files: list[str] = []
    with unit_of_work(reraise=is_access_error) as work:
        files = delete()
    if work.error is not None:
        return redirect(url_for("issues.detail", issue_id=issue_id))
    for name in files:
        photo_store().delete(name)
    flash(said, "success")
    return redirect(url_for("account.home", _anchor="reports"))


@bp.post("/<int:issue_id>/withdraw")
@login_required
def withdraw(issue_id: int) -> Response:
    if not LikeForm().validate_on_submit():
        abort(400)
    return _deleted(
        issue_id,
        lambda: own_reports.withdraw(db.session, current_resident(), issue_id),
        "Your report is withdrawn and deleted.",
    )


# A report made before its reporter's address was confirmed, when the link that confirmed it could not
# tell who made it (app/services/issues/held_reports.py): its reporter publishes or deletes it.


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
    return _deleted(
        issue_id,
        lambda: held_reports.discard_held_report(db.session, current_resident(), issue_id),
        "The report is deleted. It was never public.",
    )
