"""The flag form under a problem page: GET shows it, POST stores the flag and goes back to the problem."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.flags import bp
from app.flags.forms import FlagForm
from app.ratelimits import limit
from app.services.issues import queries as issue_queries
from app.services.kernel.errors import DomainError
from app.services.kernel.parsing import ID_MAX, optional_int
from app.services.workflow import flags
from app.unit_of_work import is_access_error, unit_of_work

WHAT = {"issue": "this problem report", "update": "this update", "photo": "this photo"}


def _target(issue_id: int) -> tuple[str, int]:
    """The flagged item named by the query (the problem itself by default); what the public cannot see
    is a 404, as on the problem page."""
    kind = request.args.get("target_type", "issue")
    if kind not in flags.TARGET_TYPES:
        abort(404)
    try:
        target = optional_int(request.args.get("target_id"), "target_id", minimum=1, maximum=ID_MAX)
    except DomainError:
        abort(404)
    if kind == "issue":
        target = issue_id
    elif target is None:
        abort(404)
    flags.check_flaggable(db.session, issue_id, kind, target)
    return kind, target


@bp.route("/issues/<int:issue_id>/flag", methods=["GET", "POST"])
@login_required
@limit("RATE_LIMIT_FLAG", per_user=True)
def flag(issue_id: int) -> tuple[str, int] | Response:
    user = current_resident()
    flags.require_flagger(user)  # a blocked or unconfirmed account is told so before filling the form in
    kind, target = _target(issue_id)
    row = issue_queries.get_issue_row(db.session, issue_id)
    form = FlagForm()
    page = url_for("issues.detail", issue_id=issue_id)
    back = page + f"#event-{target}" if kind == "update" else page  # the form's links: Cancel, the title
    if form.validate_on_submit():
        with unit_of_work(form, reraise=is_access_error) as work:
            outcome = flags.flag(
                db.session,
                user,
                issue_id,
                target_type=kind,
                target_id=target,
                reason=form.reason.data,
                note=form.note.data,
            )
        if not work.failed:
            if outcome.created and kind == "update":
                # The update says thank you itself (?flagged=): a message at the top of the page sits far
                # above it on a long timeline (found from outside).
                thanked = url_for("issues.detail", issue_id=issue_id, flagged=target)
                return redirect(f"{thanked}#event-{target}")
            if outcome.created:
                flash("Thank you: the moderators will look at it.", "success")
                return redirect(back)
            # Found from outside: this said the moderators "will look at it" while the page thanked them
            # next to the update, and the new reason was dropped without a word.
            flash(
                "You had flagged this already, and your first flag still waits for the moderators with its "
                "reason and note: this one was not added.",
                "info",
            )
            return redirect(url_for("issues.detail", issue_id=issue_id))
    return render_template(
        "flags/new.html", form=form, row=row, what=WHAT[kind], back=back
    ), 422 if form.errors else 200
