"""The city's cashier: backings waiting for their money, confirmed or cancelled by an official; money
the city owes back to residents, marked paid back."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models.backing import CURRENCY
from app.models.timestamps import utcnow
from app.ratelimits import limit
from app.security import roles_required
from app.services.funding import backing_confirmation, backing_paybacks, pending_backings, return_paybacks
from app.services.funding.backing_settlement import Settled
from app.services.kernel.parsing import MAX_PAGE, optional_int
from app.staff import bp
from app.unit_of_work import is_access_error, unit_of_work
from budgets.money import format_money

STAFF = ("official", "admin")


class CashierForm(FlaskForm):
    """Only the CSRF token; the confirmation is the button's confirm=yes."""


@bp.get("/backings")
@roles_required(*STAFF)
def pending_backings_page() -> str:
    page = optional_int(request.args.get("page"), "page", minimum=1, maximum=MAX_PAGE, label="Page") or 1
    # Found from outside: a transfer quoting a backing cancelled meanwhile (its resident deleted their
    # account) matched nothing on this page. A reference is looked up whatever its backing's state.
    asked = (request.args.get("reference") or "").strip()[:40]
    return render_template(
        "staff/backings.html",
        asked=asked,
        found=pending_backings.by_reference(db.session, asked) if asked else None,
        page=pending_backings.pending(db.session, page),
        owed=backing_paybacks.to_pay_back(db.session),
        returns=return_paybacks.to_pay_back(db.session),
        now=utcnow(),
        currency=CURRENCY,
        form=CashierForm(),
    )


@bp.post('/backings/<int:backing_id>/<any(confirm, cancel, "paid-back"):step>')
@roles_required(*STAFF)
@limit("RATE_LIMIT_CASHIER", per_user=True)
def settle_pending_backing(backing_id: int, step: str) -> Response:
    target = redirect(url_for("staff.pending_backings_page"))
    if not CashierForm().validate_on_submit():
        flash("The form expired: reload the page and try again.", "error")
        return target
    reference = pending_backings.payment_reference(backing_id)
    if request.form.get("confirm") != "yes":
        flash(f"Nothing changed for {reference}: use the “Yes, …” button.", "error")
        return target
    with unit_of_work(flash_prefix=f"Nothing changed for {reference}: ", reraise=is_access_error) as work:
        if step == "confirm":
            done = backing_confirmation.confirm(db.session, current_resident(), backing_id, utcnow())
        elif step == "cancel":
            backing_confirmation.cancel(db.session, current_resident(), backing_id, utcnow())
        else:
            backing_paybacks.mark_paid_back(db.session, current_resident(), backing_id, utcnow())
    if work.failed:
        return target
    if step == "paid-back":
        flash(f"Backing {reference} is paid back: it leaves the list.", "success")
    elif step == "cancel":
        flash(f"Backing {reference} is cancelled; nothing was posted.", "success")
    else:
        amount = format_money(done.backing.amount_cents, CURRENCY)
        funded = " The problem is now fully funded." if done.settled == Settled.COMMITTED.value else ""
        flash(f"Backing {reference} confirmed: {amount} is in the problem's escrow.{funded}", "success")
    return target


@bp.post("/returns/<int:line_id>/paid-back")
@roles_required(*STAFF)
@limit("RATE_LIMIT_CASHIER", per_user=True)
def return_paid_back(line_id: int) -> Response:
    """A resident's part of a fix's unspent money is paid back: it leaves the cashier's list."""
    target = redirect(url_for("staff.pending_backings_page") + "#owed-returns")
    if not CashierForm().validate_on_submit():
        flash("The form expired: reload the page and try again.", "error")
        return target
    if request.form.get("confirm") != "yes":
        flash("Nothing changed: use the “Yes, …” button.", "error")
        return target
    with unit_of_work(flash_prefix="Nothing changed: ", reraise=is_access_error) as work:
        part = return_paybacks.mark_paid_back(db.session, current_resident(), line_id, utcnow())
    if not work.failed:
        flash(f"{return_paybacks.named(part)} is paid back: it leaves the list.", "success")
    return target
