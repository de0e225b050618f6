"""Account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.forms import LoginForm, RegisterForm
from app.extensions import db
from app.ratelimits import limit
from app.services.accounts import users as accounts
from app.unit_of_work import unit_of_work


def safe_next(default: str) -> str:
    target = request.args.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


@bp.route("/register", methods=["GET", "POST"])
@limit("RATE_LIMIT_REGISTER")
def register() -> tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = accounts.register(db.session, form.email.data, form.display_name.data, form.password.data)
        if not work.failed:
            login_user(user, remember=True)
            flash(f"Welcome, {user.display_name}! Your account is ready.", "success")
            return redirect(safe_next(url_for("main.index")))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limit("RATE_LIMIT_LOGIN")
def login() -> tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        with unit_of_work(form) as work:
            user = accounts.authenticate(db.session, form.email.data, form.password.data)
        if not work.failed:
            login_user(user, remember=bool(form.remember.data))
            flash(f"Logged in as {user.display_name}.", "success")
            return redirect(safe_next(url_for("main.index")))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("main.index"))
