"""Staff actions on a funded problem's money: record a payout, return the unspent remainder.

A payout goes on the append-only ledger, where it cannot be changed, so the form has a review step:
the first send checks everything and shows what would be recorded; "Yes, record this payout"
records it and "Change" brings the form back filled in. The API records in one request.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField, SubmitField

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Issue
from app.ratelimits import limit
from app.security import roles_required
from app.services.funding import payouts
from app.services.funding.idempotency import IDEMPOTENCY_HEADER
from app.services.issues.money import currency_of, unspent_cents
from app.services.kernel.parsing import parse_amount
from app.staff import bp
from app.unit_of_work import unit_of_work
from budgets.money import format_money

STAFF = ("official", "admin")


class PayoutForm(FlaskForm):
    payee_kind = SelectField(
        "Paid to a", choices=[(kind, words.capitalize()) for kind, words in payouts.PAYEE_WORDS.items()]
    )
    payee_name = StringField("Name of the contractor or department", render_kw={"maxlength": 120})
    amount = StringField("Amount paid", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    invoice_ref = StringField("Invoice reference", render_kw={"maxlength": 80, "autocomplete": "off"})
    paid_on = StringField("Date paid", render_kw={"type": "date"})
    # A fresh key each time the form is drawn: the same form sent twice records one payout.
    request_key = HiddenField(default=lambda: secrets.token_urlsafe(18))
    submit = SubmitField("Review the payout")


class ReturnForm(FlaskForm):
    submit = SubmitField("Yes, return the remainder")


# The service's field names (the API's) -> the form's fields, whose labels the official reads.
_PAYOUT_LABELS = {
    "amount_cents": "amount",
    "payee_kind": "payee_kind",
    "payee_name": "payee_name",
    "invoice_ref": "invoice_ref",
    "paid_on": "paid_on",
}


def _to_money(issue_id: int) -> Response:
    return redirect(url_for("issues.detail", issue_id=issue_id) + "#money")


@bp.post("/issues/<int:issue_id>/payouts")
@roles_required(*STAFF)
@limit("RATE_LIMIT_PAYOUT", per_user=True)
def record_payout(issue_id: int) -> Response | str | tuple[str, int]:
    form = PayoutForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            flash("The form expired; reload the page and try again.", "error")
            return _to_money(issue_id)
        # Found from outside: a payee kind the form does not offer was answered "The form expired".
        refused = form.payee_kind
        refused.errors = ["Choose one of the list."]
        refused.render_kw = {**(refused.render_kw or {}), "autofocus": True}
        flash(f"The payout was not recorded ({refused.label.text}): choose one of the list.", "error")
        return _form_again(issue_id, form), 422
    if "change" in request.form:
        # Back at the form, not the page's top (found from outside: 35 Tab presses above it).
        form.payee_name.render_kw = {**(form.payee_name.render_kw or {}), "autofocus": True}
        return _form_again(issue_id, form)
    confirmed = request.form.get("confirm") == "yes"
    with unit_of_work(show=False) as work:
        official = current_resident()
        asked = payouts.parse_payout(
            official,
            issue_id,
            payee_kind=form.payee_kind.data,
            payee_name=form.payee_name.data,
            amount_cents=parse_amount(form.amount.data, "amount_cents", label="Amount paid"),
            invoice_ref=form.invoice_ref.data,
            paid_on=form.paid_on.data,
        )
        if confirmed:
            key = form.request_key.data or None
            recorded = payouts.record_payout(db.session, official, asked, idempotency_key=key)
        else:
            payouts.check_payout(db.session, official, asked)
    if work.error is not None and work.error.field == IDEMPOTENCY_HEADER:
        # The form's hidden key recorded a payout before, with other details (the browser's Back, then
        # changed and sent): that payout stands; the problem page draws the form again with a new key.
        flash(
            "This form recorded a payout already, shown under the problem's money; nothing else was "
            "recorded. To record another payout, use the payout form there.",
            "error",
        )
        return _to_money(issue_id)
    if work.error is not None:
        # The service names the API's fields (amount_cents, paid_on); the official filled in the form's.
        # The page again with what was typed (a redirect emptied the form), the reason under its field,
        # and that field focused, so the page opens there.
        label = _PAYOUT_LABELS.get(work.error.field or "")
        where = f" ({getattr(form, label).label.text})" if label else ""
        flash(f"The payout was not recorded{where}: {work.error.message}", "error")
        if label:
            refused = getattr(form, label)
            refused.errors = [work.error.message]
            refused.render_kw = {**(refused.render_kw or {}), "autofocus": True}
        return _form_again(issue_id, form), 422
    if not confirmed:
        return render_template(
            "staff/payout_review.html",
            form=form,
            review=asked,
            issue=db.session.get(Issue, issue_id),
            currency=currency_of(db.session, issue_id),
            remaining_cents=unspent_cents(db.session, issue_id),
            paid_before=payouts.paid_before(db.session, asked),
        )
    paid = format_money(recorded.payout.amount_cents, currency_of(db.session, issue_id))
    if recorded.created:
        flash(f"Payout of {paid} to {form.payee_name.data.strip()} recorded.", "success")
    else:
        flash(f"This payout of {paid} was recorded already: the form was sent twice.", "info")
    return _to_money(issue_id)


def _form_again(issue_id: int, form: PayoutForm) -> str:
    """The problem page with the payout form as it was sent (its errors under their fields)."""
    # Imported here: the problem page's module imports this one's forms.
    from app.issues.routes import detail_page

    return detail_page(issue_id, payout_form=form)


@bp.post("/issues/<int:issue_id>/remainder-return")
@roles_required(*STAFF)
@limit("RATE_LIMIT_PAYOUT", per_user=True)
def return_remainder(issue_id: int) -> Response:
    form = ReturnForm()
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return _to_money(issue_id)
    if request.form.get("confirm") != "yes":
        flash("Nothing was returned: confirm with the “Yes, return the remainder” button.", "error")
        return _to_money(issue_id)
    with unit_of_work(flash_prefix="Nothing was returned: ") as work:
        done = payouts.return_remainder(db.session, current_resident(), issue_id)
    if work.failed:
        return _to_money(issue_id)
    returned = format_money(done.total_cents, currency_of(db.session, issue_id))
    flash(f"{returned} returned to where the money came from.", "success")
    return _to_money(issue_id)
