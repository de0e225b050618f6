"""Where I am logged in, and my API tokens: end a login or a token, or every login at once."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import login_required, logout_user
from werkzeug.wrappers import Response

from app.auth import bp
from app.auth.sessions import current_resident
from app.extensions import db
from app.services.accounts import logins, tokens
from app.unit_of_work import unit_of_work


@bp.get("/security")
@login_required
def security() -> str:
    user = current_resident()
    open_logins = [(login, logins.is_current(login, user)) for login in logins.open_logins(db.session, user)]
    return render_template(
        "auth/security.html", logins=open_logins, tokens=tokens.live_tokens(db.session, user)
    )


@bp.post("/security/logout-everywhere")
@login_required
def logout_everywhere() -> Response:
    count = logins.end_every_login(db.session, current_resident())
    db.session.commit()
    logout_user()
    flash(f"You are logged out on every device ({count}). Log in again to go on.", "info")
    return redirect(url_for("main.index"))


@bp.post("/security/logins/<int:login_id>/end")
@login_required
def end_login_elsewhere(login_id: int) -> Response:
    """Log out one other device (this one logs out with "Log out")."""
    with unit_of_work() as work:
        logins.end_other_login(db.session, current_resident(), login_id)
    if not work.failed:
        flash("That device is logged out: its next step asks it to log in.", "success")
    return redirect(url_for("auth.security"))


@bp.post("/security/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    with unit_of_work() as work:
        tokens.revoke_token(db.session, current_resident(), token_id)
    if not work.failed:
        flash("The token is revoked: programs using it can no longer act for you.", "success")
    return redirect(url_for("auth.security"))
