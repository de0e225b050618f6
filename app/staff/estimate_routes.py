"""Staff action on one issue: set the cost estimate that makes it a candidate of funding rounds."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, SubmitField

from app.extensions import db
from app.security import roles_required
from app.services.kernel.errors import DomainError
from app.services.kernel.parsing import parse_amount
from app.services.workflow import estimates
from app.staff import bp
from budgets.money import format_cents


class EstimateForm(FlaskForm):
    cost = StringField("Estimated cost", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    submit = SubmitField("Save estimate")


@bp.app_template_global()
def estimate_form() -> EstimateForm:
    """The form the issue page's estimate partial shows to officials and admins."""
    return EstimateForm()


@bp.post("/issues/<int:issue_id>/estimate")
@roles_required("official", "admin")
def set_estimate(issue_id: int) -> Response:
    form = EstimateForm()
    target = redirect(url_for("issues.detail", issue_id=issue_id) + "#estimate")
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return target
    try:
        cents = parse_amount(form.cost.data, "cost")
        estimates.set_estimate(db.session, current_user, issue_id, cents)  # type: ignore[arg-type]
    except DomainError as exc:
        db.session.rollback()
        flash(f"The estimate was not saved: {exc.message}", "error")
        return target
    db.session.commit()
    flash(
        f"Estimated cost saved: {format_cents(cents)}. The problem can now be a funding candidate.", "success"
    )
    return target
