"""Staff action on one issue: set the cost estimate that makes it a candidate of funding rounds."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, SubmitField

from app.auth.sessions import current_resident
from app.extensions import db
from app.security import roles_required
from app.services.funding import backings
from app.services.issues.money import CITY_CURRENCY
from app.services.kernel.parsing import parse_amount
from app.services.rounds import candidates as round_candidates
from app.staff import bp
from app.unit_of_work import unit_of_work
from budgets.money import format_money


class EstimateForm(FlaskForm):
    cost = StringField("Set the estimate", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    # Shown where money is held for the problem: an estimate it covers funds the problem at once.
    fund_now = BooleanField("Yes, fund it now if the money held covers the new estimate")
    submit = SubmitField("Save estimate")


@bp.post("/issues/<int:issue_id>/estimate")
@roles_required("official", "admin")
def set_estimate(issue_id: int) -> Response:
    form = EstimateForm()
    target = redirect(url_for("issues.detail", issue_id=issue_id) + "#estimate")
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return target
    with unit_of_work(flash_prefix="The estimate was not saved: ") as work:
        cents = parse_amount(form.cost.data, "cost")
        backings.set_estimate_and_fund(
            db.session, current_resident(), issue_id, cents, fund_now=bool(form.fund_now.data)
        )
    if work.failed:  # the page again with what was typed (found from outside: it showed the old estimate)
        typed = (form.cost.data or "")[:40]
        return redirect(url_for("issues.detail", issue_id=issue_id, estimate=typed) + "#estimate")
    # Found from outside: a fixed or hidden problem was said to be a candidate now.
    why_not = round_candidates.withdrawn(db.session, [issue_id]).get(issue_id)
    offered = (
        "The problem can now be a funding candidate."
        if why_not is None
        else f"It is not a funding candidate now ({why_not})."
    )
    flash(f"Estimated cost saved: {format_money(cents, CITY_CURRENCY)}. {offered}", "success")
    return target
