"""Backing a problem from its page: the form's POST, and what the page shows about the money behind it."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.issues import bp
from app.issues.forms import BackingForm
from app.issues.routes import detail_page
from app.models.backing import CURRENCY, BackingStatus
from app.models.timestamps import utcnow
from app.ratelimits import limit
from app.services.funding import backings, pending_backings
from app.services.funding.backing_settlement import Settled
from app.services.funding.payments import get_provider
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
