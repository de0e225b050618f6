"""The moderators' queue of flagged content: hide the item with a reason, or dismiss the flags."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField

from app.auth.sessions import current_resident
from app.extensions import db
from app.security import roles_required
from app.services.kernel.parsing import MAX_PAGE, optional_int
from app.services.workflow import flag_queue as queue
from app.services.workflow import flags
from app.staff import bp
from app.unit_of_work import unit_of_work
from budgets.allocation import counted

STAFF = ("official", "admin")


class ResolveFlagsForm(FlaskForm):
    reason = StringField("Reason (required to hide; told to the flaggers)", render_kw={"maxlength": 2000})
    submit = SubmitField("Apply")


@bp.get("/flags")
@roles_required(*STAFF)
def flag_queue() -> str:
    page = optional_int(request.args.get("page"), "page", minimum=1, maximum=MAX_PAGE, label="Page") or 1
    return render_template(
        "staff/flags.html",
        page=queue.flag_queue(db.session, page),
        reasons=flags.FLAG_REASONS,
        form=ResolveFlagsForm(),
    )


@bp.post("/flags/<any(issue, update, photo):target_type>/<int:target_id>/<any(hide, dismiss):action>")
@roles_required(*STAFF)
def resolve_flags(target_type: str, target_id: int, action: str) -> Response:
    form = ResolveFlagsForm()
    if not form.validate_on_submit():
        flash("The form expired: try again.", "error")
        return redirect(url_for("staff.flag_queue"))
    # Flags handled meanwhile (two moderators on one queue, a double send) are said on the queue, not
    # on a 404 page (found from outside); refusals of access still get their error page.
    with unit_of_work(flash_prefix="Not done: ", reraise=lambda error: error.status in (401, 403)) as work:
        count = flags.resolve(
            db.session, current_resident(), target_type, target_id, action, form.reason.data
        )
    if not work.failed:
        done = "hidden" if action == "hide" else "left visible"
        # The queue's words: an issue is "the report" there.
        thing = "report" if target_type == "issue" else target_type
        flash(f"The {thing} is {done}; {counted(count, 'flagger')} will get an email.", "success")
    return redirect(url_for("staff.flag_queue"))
