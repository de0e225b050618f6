"""A pool's settings on its treasurers' page: open to pledges or not, where residents send the money;
and its refunds' parts marked handed back."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.groups import bp
from app.groups.forms import ActionForm, PaymentDetailsForm, PoolStateForm
from app.services.funding import groups, pool_refund_handover
from app.unit_of_work import is_access_error, unit_of_work


@bp.post("/pools/<int:pool_id>/payment-details")
@login_required
def payment_details(pool_id: int) -> Response:
    form = PaymentDetailsForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(flash_prefix="Nothing changed: ", reraise=is_access_error) as work:
        changed = groups.set_payment_details(
            db.session, current_resident(), pool_id, form.payment_details.data
        )
    if not work.failed:
        said = "The payment details are saved: residents see them beside every pledge."
        flash(said if changed else "The payment details were already so: nothing changed.", "success")
    return redirect(url_for("groups.treasurer", pool_id=pool_id) + "#payment-details")


@bp.post("/pools/<int:pool_id>/state")
@login_required
def pool_state(pool_id: int) -> Response:
    form = PoolStateForm()
    if not form.validate_on_submit():
        abort(400)
    is_open = {"1": True, "0": False}.get(request.form.get("is_open", ""))
    groups.set_pool_open(db.session, current_resident(), pool_id, is_open)
    db.session.commit()
    flash("The pool is open to pledges." if is_open else "The pool is closed to new pledges.", "success")
    return redirect(url_for("groups.treasurer", pool_id=pool_id))


@bp.post("/pools/<int:pool_id>/refunds/<int:line_id>/handed-back")
@login_required
def refund_handed_back(pool_id: int, line_id: int) -> Response:
    """A treasurer records that a part of the pool's refund was handed back (pool_refund_handover)."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(reraise=is_access_error) as work:
        pool_refund_handover.mark_handed_back(db.session, current_resident(), pool_id, line_id)
    if not work.failed:
        flash("Marked handed back: the pledger sees it so on My Commonfix.", "success")
    return redirect(url_for("groups.treasurer", pool_id=pool_id) + "#refunds-h")
