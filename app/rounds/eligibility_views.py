"""Who may vote, on the web: changing a round's policy before voting opens, and a resident's census
verification for an area (reachable from the ballot page, the round page and My Commonfix)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.routes import safe_next
from app.auth.sessions import current_resident
from app.extensions import db
from app.ratelimits import limit
from app.rounds import bp
from app.rounds.forms import EligibilityForm, VerifyForm
from app.services.rounds import census, eligibility
from app.unit_of_work import is_access_error, unit_of_work


@bp.post("/rounds/<int:round_id>/eligibility")
@login_required
def change_eligibility(round_id: int) -> Response:
    form = EligibilityForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(flash_prefix="Who may vote was not changed: ", reraise=is_access_error) as work:
        changed = eligibility.change_policy(db.session, current_resident(), round_id, form.eligibility.data)
    if not work.failed:
        flash(f"Who may vote: {eligibility.POLICY_WORDS[changed.eligibility]}.", "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


def local_next() -> str | None:
    """Where to go after verifying: a visible-ASCII path on this site only (never another host; the
    page shows it as a link, where a browser reads `/\\host` or `/<tab>/host` as another site)."""
    return safe_next("") or None


@bp.route("/areas/<int:area_id>/verification", methods=["GET", "POST"])
@login_required
@limit("RATE_LIMIT_CENSUS_VERIFY", per_user=True)
def verify_census(area_id: int) -> tuple[str, int] | Response:
    user = current_resident()
    form = VerifyForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            with unit_of_work(form, reraise=is_access_error) as work:
                found = census.verify(db.session, user, area_id, form.identifier.data)
            if work.error is None:
                flash(
                    f"You are verified as living in {found.area_name}. You can vote in its census rounds.",
                    "success",
                )
                return redirect(local_next() or url_for("rounds.verify_census", area_id=area_id))
            status = work.error.status
    return render_template(
        "census/verify.html",
        status=census.status(db.session, user, area_id),
        form=form,
        next=local_next(),
        contact=eligibility.contact(),
    ), status
