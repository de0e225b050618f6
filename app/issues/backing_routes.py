"""Backing a problem from its page: the form's POST, and what the page shows about the money behind it."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.routes import safe_next
from app.auth.sessions import current_resident
from app.extensions import db
from app.groups.forms import ActionForm
from app.issues import bp
from app.issues.forms import BackingForm
from app.issues.routes import detail_page
from app.models.backing import CURRENCY, Backing, BackingStatus
from app.models.timestamps import utcnow
from app.ratelimits import limit
from app.services.funding import backings, pending_backings
from app.services.funding.backing_settlement import Settled
from app.services.funding.payments import get_provider
from app.services.kernel.errors import Conflict
from app.services.kernel.parsing import parse_amount
from app.unit_of_work import unit_of_work
from budgets.money import format_money

# The service names amount_cents; the form's field is `amount`. Errors about the problem itself
# (closed, funded, no cost estimate) are shown above the form.
FORM_FIELDS = {"amount_cents": "amount"}


@bp.post("/<int:issue_id>/back")
@login_required
@limit("RATE_LIMIT_BACKING", per_user=True)
def back(issue_id: int) -> tuple[str, int] | Response:
    form = BackingForm()
    if not form.validate_on_submit():
        return detail_page(issue_id, form), 422
    provider = get_provider(current_app.config["PAYMENT_PROVIDER"])
    with unit_of_work(form, field_names=FORM_FIELDS) as work:
        cents = parse_amount(form.amount.data, "amount_cents")
        outcome = backings.back(
            db.session,
            current_resident(),
            issue_id,
            cents,
            form.idempotency_key.data,
            provider,
            utcnow(),
            fallback=form.fallback.data,
            show_name=bool(form.show_name.data),
        )
    if work.error is not None:
        return detail_page(issue_id, form), work.error.status
    amount = format_money(outcome.backing.amount_cents, CURRENCY)
    if outcome.backing.status == BackingStatus.PENDING.value:
        flash(
            f"Thank you! Your backing of {amount} waits for its money: "
            + pending_backings.payment_instructions(outcome.backing, CURRENCY),
            "success",
        )
    elif outcome.settled == Settled.COMMITTED.value:
        flash(f"Thank you! Your {amount} completed the cost: this problem is funded and planned.", "success")
    else:
        flash(
            f"Thank you! You back this problem with {amount}; the money is held until it is funded.",
            "success",
        )
    return redirect(url_for("issues.detail", issue_id=issue_id, _anchor="backing"))


@bp.post("/backings/<int:backing_id>/withdraw")
@login_required
def withdraw_backing(backing_id: int) -> Response:
    """The backer's "Withdraw" on a backing waiting for the cashier, from the problem page or My
    Commonfix; back to `next` (else the problem's money). One no longer pending is said in a flash;
    another resident's, or none, keeps its error page (403, 404)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    back_to = safe_next("")  # read before any write (see safe_next)
    with unit_of_work(reraise=lambda error: not isinstance(error, Conflict)) as work:
        found = pending_backings.withdraw(db.session, current_resident(), backing_id, utcnow())
    if work.error is None:
        flash(
            f"Your backing of {format_money(found.amount_cents, CURRENCY)} is withdrawn: it never counts "
            "for the problem, and the cashier no longer waits for it.",
            "success",
        )
    issue_id = db.get_or_404(Backing, backing_id).issue_id
    return redirect(back_to or url_for("issues.detail", issue_id=issue_id, _anchor="backing"))
