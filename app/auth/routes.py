"""Account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import LoginForm, RegisterForm
from app.auth.sessions import current_resident, log_in, log_out
from app.extensions import db
from app.ratelimits import limit, limit_login_attempts
from app.services.accounts import confirmation
from app.services.accounts import users as accounts
from app.services.accounts.addresses import normalise_email
from app.unit_of_work import unit_of_work


def safe_next(default: str) -> str:
    """The `next` query value when it is a path on this site, else `default`; never raises.

    Read it before any write: a Location header with a line break would fail after the commit. Only
    visible ASCII is kept, without backslashes, which browsers read as "//" (another site).
    """
    target = request.args.get("next", "")
    if not target or not all("!" <= ch <= "~" for ch in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


@bp.route("/register", methods=["GET", "POST"])
@limit("RATE_LIMIT_REGISTER")
def register() -> tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    after_confirming = safe_next("") or None  # the confirmation link leads back to where they were going
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            confirmation.register(
                db.session, form.email.data, form.display_name.data, form.password.data, after_confirming
            )
        if not work.failed:
            # The same page whether the address was new or already had an account (mailed either way),
            # naming the address as mailed (found from outside: "NEWBIE@EXAMPLE.ORG" as typed).
            mailed = normalise_email(form.email.data)
            return render_template("auth/check_email.html", email=mailed), 200
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limit_login_attempts
def login() -> tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    asked = safe_next("")
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = accounts.authenticate(db.session, form.email.data, form.password.data)
            log_in(user, remember=bool(form.remember.data))
        if not work.failed:
            flash(f"Logged in as {user.display_name}.", "success")
            # Officials work from their desk (found from outside: they landed on the public map).
            return redirect(asked or url_for("staff.home" if user.is_staff else "main.index"))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout() -> Response:
    """Log out; a login that had already ended (logged out elsewhere, or expired) is simply gone
    (found from outside: "Log out" there asked to log in, then send it again)."""
    if current_user.is_authenticated:
        log_out(current_resident())
        db.session.commit()
    else:
        logout_user()  # whatever cookies are left go too
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))
