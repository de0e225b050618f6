"""Confirming an email address: the mailed link's page, its button, and asking for a new link."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import ConfirmAgainForm
from app.auth.routes import safe_next
from app.auth.sessions import current_resident, log_in, log_out
from app.extensions import db
from app.ratelimits import limit
from app.services.accounts import confirmation
from app.services.issues import held_reports
from app.services.kernel.errors import DomainError, ValidationError
from app.unit_of_work import show_error


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


def waiting_words(count: int) -> str:
    """What a confirmation that did not publish held reports says of them (held_reports)."""
    if count == 1:
        return (
            " A report was made with this account before its address was confirmed: publish it if you "
            "made it, or delete it, under My reports."
        )
    return (
        f" {count} reports were made with this account before its address was confirmed: publish the "
        "ones you made, and delete the others, under My reports."
    )


def link_page(
    link: confirmation.ConfirmLink, token: str, form: ConfirmAgainForm, status: int
) -> tuple[str, int]:
    return render_template(
        "auth/confirm_link.html", user=link.user, again=link.again, token=token, form=form, error=None
    ), status


@bp.get("/confirm/<token>")
def confirm_email(token: str) -> tuple[str, int]:
    """The mailed link opens a page with a button: mail scanners that follow links confirm nothing."""
    try:
        link = confirmation.read_link(db.session, token)
    except DomainError as error:
        return render_template("auth/confirm_link.html", error=error.message), error.status
    return link_page(link, token, ConfirmAgainForm(data={"display_name": link.user.display_name}), 200)


@bp.post("/confirm/<token>")
def confirm_email_post(token: str) -> Response | tuple[str, int]:
    target = safe_next(url_for("main.index"))  # read before any write (see safe_next)
    try:
        link = confirmation.read_link(db.session, token)
    except DomainError as error:
        return render_template("auth/confirm_link.html", error=error.message), error.status
    form = ConfirmAgainForm()
    if link.again and not link.user.email_confirmed and not form.validate_on_submit():
        return link_page(link, token, form, 422)
    try:
        done = (
            confirmation.confirm(db.session, token, form.password.data, form.display_name.data)
            if link.again
            else confirmation.confirm(db.session, token)
        )
        user = done.user
        published = held_reports.publish_held_reports(db.session, user) if done.now and not done.again else []
        if done.now and done.again:
            # Every login of the account ended: this browser logs in afresh, as the mailbox's owner.
            if current_user.is_authenticated:
                log_out(current_resident())
            log_in(user, remember=False)
        elif done.now and not current_user.is_authenticated:
            # Only the first use of a link logs in, for this browser session: staying logged in on
            # the device that opened the mail is the login form's choice ("Keep me logged in").
            log_in(user, remember=False)
        db.session.commit()
    except ValidationError as error:
        db.session.rollback()
        show_error(error, form)
        return link_page(link, token, form, 422)
    except DomainError as error:
        db.session.rollback()
        return render_template("auth/confirm_link.html", error=error.message), error.status
    if not done.now:
        flash("Your address was already confirmed.", "info")
        return redirect(url_for("main.index") if current_user.is_authenticated else url_for("auth.login"))
    if not done.again:
        shown = f" {published_words(len(published))}" if published else ""
        flash(f"Thank you, {user.display_name}: your address is confirmed.{shown}", "success")
        return redirect(target)
    waiting = held_reports.held_report_ids(db.session, user)
    also = waiting_words(len(waiting)) if waiting else ""
    flash(
        f"Thank you, {user.display_name}: your address is confirmed. Your password is the one you just "
        f"chose, and every other login of the account has ended.{also}",
        "success",
    )
    return redirect(url_for("account.home", _anchor="reports") if waiting else target)
