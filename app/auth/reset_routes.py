"""Forgot my password: ask for a link by email, then choose a new password on the link's page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.confirm_routes import waiting_words
from app.auth.forms import ForgotPasswordForm, ResetPasswordForm
from app.auth.sessions import current_resident, log_in, log_out
from app.extensions import db
from app.ratelimits import limit, limit_reset_requests
from app.services.accounts import password_reset
from app.services.issues import held_reports
from app.services.kernel.errors import DomainError
from app.unit_of_work import show_error, unit_of_work


def private_page(body: str, status: int) -> Response:
    """A page whose URL holds a secret: kept out of caches and out of Referer headers."""
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/password/forgot", methods=["GET", "POST"])
@limit_reset_requests
def forgot_password() -> tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            email = password_reset.request_reset(db.session, form.email.data)
        if not work.failed:
            # The same page whether or not an account uses the address (mailed either way).
            return render_template("auth/reset_sent.html", email=email), 200
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limit("RATE_LIMIT_PASSWORD_RESET_ADDRESS")
def reset_password(token: str) -> Response:
    """The mailed link's page: a form for the new password (opening the link changes nothing)."""
    try:
        user = password_reset.read_token(db.session, token)
    except DomainError as error:
        return private_page(render_template("auth/reset.html", error=error.message), error.status)
    unconfirmed = user.email_confirmed_at is None
    form = ResetPasswordForm(data={"display_name": user.display_name})
    if form.validate_on_submit():
        with unit_of_work(form, show=False) as work:
            done = password_reset.reset_password(
                db.session, token, form.password.data, form.display_name.data if unconfirmed else None
            )
            # A reset proves the mailbox, not who made the account's held reports: they wait for their
            # reporter to publish or delete them (app/services/issues/held_reports.py).
            waiting = held_reports.held_report_ids(db.session, done.user) if done.confirmed_now else []
            if current_user.is_authenticated:
                log_out(current_resident())  # whoever was logged in on this device before
            log_in(done.user, remember=False)  # this device only: every other login has ended
        if work.error is None:
            shown = waiting_words(len(waiting)) if waiting else ""
            flash(f"Your password is changed and you are logged in on this device only.{shown}", "success")
            return redirect(url_for("account.home"))
        if work.error.field == "token":
            return private_page(
                render_template("auth/reset.html", error=work.error.message), work.error.status
            )
        show_error(work.error, form)
    page = render_template("auth/reset.html", form=form, user=user, error=None, unconfirmed=unconfirmed)
    return private_page(page, 422 if form.errors else 200)
