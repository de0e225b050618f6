"""Account settings: display name and the "hide my name" default, which emails come, the email address,
the password."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import EmailChangeForm, EmailsForm, PasswordChangeForm, ProfileForm
from app.auth.reset_routes import private_page
from app.auth.sessions import current_resident, log_out
from app.extensions import db
from app.models import User
from app.ratelimits import limit
from app.services.accounts import email_change, email_change_undo, passwords, profile, tokens
from app.services.kernel.errors import DomainError
from app.unit_of_work import unit_of_work
from budgets.allocation import counted


def settings_page(
    user: User,
    profile_form: ProfileForm | None = None,
    email_form: EmailChangeForm | None = None,
    password_form: PasswordChangeForm | None = None,
) -> tuple[str, int]:
    """The settings page; the form just sent (if any) shows its errors, the others start empty."""
    failed = any(f is not None and f.errors for f in (profile_form, email_form, password_form))
    page = render_template(
        "auth/settings.html",
        user=user,
        token_count=len(tokens.live_tokens(db.session, user)),
        profile_form=profile_form or ProfileForm.showing(user.display_name, user.hide_name_default),
        emails_form=EmailsForm(formdata=None, round_news=user.round_news),
        email_form=email_form or EmailChangeForm(formdata=None),
        password_form=password_form or PasswordChangeForm(formdata=None, revoke_tokens=True),
    )
    return page, 422 if failed else 200


@bp.get("/settings")
@login_required
def settings() -> tuple[str, int]:
    return settings_page(current_resident())


@bp.post("/settings/profile")
@login_required
def update_profile() -> tuple[str, int] | Response:
    user = current_resident()
    form = ProfileForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            changed = profile.update_profile(db.session, user, **form.edited())
        if not work.failed:
            flash("Your settings are saved." if changed else "Nothing to change.", "success")
            return redirect(url_for("auth.settings"))
    return settings_page(user, profile_form=form)


@bp.post("/settings/emails")
@login_required
def update_emails() -> Response:
    """Which emails come: the news of funding rounds (the follows each have their own link)."""
    user = current_resident()
    form = EmailsForm()
    if not form.validate_on_submit():  # a checkbox alone: only the CSRF token can fail
        abort(400)
    with unit_of_work() as work:
        changed = profile.update_profile(db.session, user, round_news=bool(form.round_news.data))
    if not work.failed:
        said = (
            "You get the news of funding rounds by email."
            if user.round_news
            else ("You no longer get emails about funding rounds.")
        )
        flash(said if changed else "Nothing to change.", "success")
    return redirect(url_for("auth.settings"))  # at the top, where the flash says what changed


@bp.post("/settings/email")
@login_required
@limit("RATE_LIMIT_EMAIL_CHANGE", per_user=True)
def change_email() -> tuple[str, int] | Response:
    user = current_resident()
    form = EmailChangeForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            email = email_change.request_change(db.session, user, form.new_email.data, form.password.data)
        if not work.failed:
            # The same answer whether or not another account uses the address (that owner is told).
            flash(
                f"We sent a link to {email}: your address changes when you open it. Until then mail goes "
                f"to {user.email}, which we told about the change.",
                "success",
            )
            return redirect(url_for("auth.settings"))
    return settings_page(user, email_form=form)


@bp.post("/settings/password")
@login_required
@limit("RATE_LIMIT_LOGIN", per_user=True)
def change_password() -> tuple[str, int] | Response:
    user = current_resident()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            changed = passwords.change_password(
                db.session,
                user,
                form.current_password.data,
                form.new_password.data,
                revoke_tokens=bool(form.revoke_tokens.data),
            )
        if not work.failed:
            done = []
            if changed.logins_ended:
                done.append(f"logged out on {counted(changed.logins_ended, 'other device')}")
            if changed.tokens_revoked:
                done.append(f"stopped {counted(changed.tokens_revoked, 'API token')}")
            flash(f"Your password is changed{', ' if done else ''}{' and '.join(done)}.", "success")
            return redirect(url_for("auth.settings"))
    return settings_page(user, password_form=form)


@bp.get("/email/undo/<token>")
def undo_email_change(token: str) -> Response:
    """The link mailed to the old address after a change opens a page with a button, as above."""
    try:
        undo = email_change_undo.read_token(db.session, token)
    except DomainError as error:
        return private_page(render_template("auth/email_change_undo.html", error=error.message), error.status)
    return private_page(render_template("auth/email_change_undo.html", undo=undo, error=None), 200)


@bp.post("/email/undo/<token>")
def undo_email_change_post(token: str) -> Response:
    with unit_of_work(show=False) as work:
        undone = email_change_undo.undo_change(db.session, token)
        if current_user.is_authenticated and current_user.id == undone.user.id:
            log_out(current_resident())  # its login ended with the others: its cookies go too
    if work.error is not None:
        page = render_template("auth/email_change_undo.html", error=work.error.message)
        return private_page(page, work.error.status)
    page = render_template("auth/email_change_undo.html", undone=undone, error=None)
    return private_page(page, 200)


@bp.get("/email/confirm/<token>")
def confirm_new_email(token: str) -> Response:
    """The link mailed to the new address opens a page with a button: mail scanners change nothing."""
    try:
        user, email = email_change.read_token(db.session, token)
    except DomainError as error:
        return private_page(render_template("auth/email_change.html", error=error.message), error.status)
    return private_page(render_template("auth/email_change.html", user=user, email=email, error=None), 200)


@bp.post("/email/confirm/<token>")
def confirm_new_email_post(token: str) -> Response:
    with unit_of_work(show=False) as work:
        user, _old = email_change.confirm_change(db.session, token)
    if work.error is not None:
        page = render_template("auth/email_change.html", error=work.error.message)
        return private_page(page, work.error.status)
    flash(f"Your address is now {user.email}.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("auth.settings"))
    return redirect(url_for("auth.login"))
