"""Confirming an email address: the mailed link's page, its button, and asking for a new link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.routes import safe_next
from app.auth.sessions import current_resident, log_in
from app.extensions import db
from app.ratelimits import limit
from app.services.accounts import confirmation
from app.services.issues import reports
from app.services.kernel.errors import DomainError


def published_words(count: int) -> str:
    """What the thank-you adds when confirming published the resident's held reports."""
    return "Your report is now published." if count == 1 else f"Your {count} reports are now published."


@bp.get("/confirm")
@login_required
def confirm_pending() -> str:
    """Where an unconfirmed resident is sent: what waits for the confirmation, and a new link."""
    return render_template("auth/confirm_pending.html", user=current_resident())


@bp.post("/confirm/resend")
@login_required
@limit("RATE_LIMIT_CONFIRM_RESEND", per_user=True)
def resend_confirmation() -> Response:
    user = current_resident()
    if user.email_confirmed:
        flash("Your address is already confirmed.", "info")
        return redirect(url_for("main.index"))
    confirmation.send_confirmation(db.session, user)
    db.session.commit()
    flash(f"We sent a new link to {user.email}. It works for 3 days.", "success")
    return redirect(url_for("auth.confirm_pending"))


@bp.get("/confirm/<token>")
def confirm_email(token: str) -> tuple[str, int]:
    """The mailed link opens a page with a button: mail scanners that follow links confirm nothing."""
    try:
        user = confirmation.read_token(db.session, token)
    except DomainError as error:
        return render_template("auth/confirm_link.html", error=error.message), error.status
    return render_template("auth/confirm_link.html", user=user, token=token, error=None), 200


@bp.post("/confirm/<token>")
def confirm_email_post(token: str) -> Response | tuple[str, int]:
    target = safe_next(url_for("main.index"))  # read before any write (see safe_next)
    try:
        user, confirmed_now = confirmation.confirm(db.session, token)
        published = reports.publish_held_reports(db.session, user) if confirmed_now else []
        if confirmed_now and not current_user.is_authenticated:
            # Only the first use of a link logs in, for this browser session: staying logged in on
            # the device that opened the mail is the login form's choice ("Keep me logged in").
            log_in(user, remember=False)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_template("auth/confirm_link.html", error=error.message), error.status
    if not confirmed_now:
        flash("Your address was already confirmed.", "info")
        return redirect(url_for("main.index") if current_user.is_authenticated else url_for("auth.login"))
    shown = f" {published_words(len(published))}" if published else ""
    flash(f"Thank you, {user.display_name}: your address is confirmed.{shown}", "success")
    return redirect(target)
