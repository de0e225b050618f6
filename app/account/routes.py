"""My Commonfix (/account), the data download, account deletion, and the privacy page."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required, logout_user
from werkzeug.wrappers import Response

from app.account import bp
from app.account.forms import DeleteAccountForm, ExportForm
from app.auth.sessions import current_resident
from app.extensions import db
from app.models.timestamps import utcnow
from app.photo_stores import photo_store
from app.ratelimits import limit
from app.services.mydata import deletion, overview
from app.services.mydata.export import export_zip
from app.services.rounds import census
from app.unit_of_work import unit_of_work


@bp.get("/account")
@login_required
def home() -> str:
    user = current_resident()
    return render_template(
        "account/home.html",
        user=user,
        mine=overview.overview(db.session, user),
        censuses=census.my_areas(db.session, user.id),
        export_form=ExportForm(),
    )


def zip_response(data: bytes, user_id: int) -> Response:
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f"attachment; filename=commonfix-my-data-{user_id}-{stamp}.zip",
            "Cache-Control": "no-store",
        },
    )


@bp.post("/account/export")
@login_required
@limit("RATE_LIMIT_EXPORT", per_user=True)
def export() -> Response:
    if not ExportForm().validate_on_submit():
        flash("The download form expired: try again.", "error")
        return redirect(url_for("account.home"))
    user = current_resident()
    return zip_response(export_zip(db.session, user, photo_store()), user.id)


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limit("RATE_LIMIT_LOGIN", per_user=True)
def delete() -> tuple[str, int] | Response:
    """The page names what holds the account back, when something does, and then offers no form."""
    user = current_resident()
    form = DeleteAccountForm()
    held_back = deletion.blockers(db.session, user)
    if not held_back and form.validate_on_submit():
        with unit_of_work(form, field_names={"account": "password"}) as work:
            deletion.delete_account(db.session, user, form.password.data)
        if not work.failed:
            logout_user()
            flash(
                "Your account is deleted. Your public reports and updates stay, as by a former resident.",
                "success",
            )
            return redirect(url_for("main.index"))
        held_back = deletion.blockers(db.session, user)  # one may have arisen since the first look
    status = 409 if held_back and request.method == "POST" else 422 if form.errors else 200
    money = deletion.money_now(db.session, user)
    return render_template("account/delete.html", form=form, blockers=held_back, money=money), status


@bp.get("/privacy")
def privacy() -> str:
    return render_template("account/privacy.html")
