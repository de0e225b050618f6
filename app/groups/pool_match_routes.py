"""The city's match on a pool, added by hand by an official from the pool's treasurers' page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.groups import bp
from app.groups.forms import MatchForm
from app.groups.routes import STAFF
from app.groups.treasurer_routes import render_treasurer
from app.security import roles_required
from app.services.funding import matching, pledges
from app.services.kernel.parsing import parse_amount
from app.services.kernel.roles import require_staff
from app.unit_of_work import is_access_error, unit_of_work
from budgets.money import NO_CAP_CENTS, format_money, matched_cents


@bp.post("/pools/<int:pool_id>/match")
@roles_required(*STAFF)
def match(pool_id: int) -> tuple[str, int] | Response:
    """Add the match, or show the page again with each refusal beside its field and what was typed
    (found from outside: a flash at the top of the page, the fields empty and the form folded)."""
    # roles_required reads the role only: a blocked official's login still reads, never matches.
    require_staff(current_resident(), "Only city officials and admins add the city's match.")
    found = pledges.get_pool(db.session, pool_id)
    form = MatchForm()
    if not form.validate_on_submit():
        return render_treasurer(pool_id, form), 422
    num, den = form.ratio_num.data, form.ratio_den.data
    # InputRequired refused an empty ratio above.
    assert num is not None
    assert den is not None
    with unit_of_work(form, field_names={"cap_cents": "cap"}, reraise=is_access_error) as work:
        cap = parse_amount(form.cap.data, "cap", label="Up to (cap)")
        result = matching.hand_match(db.session, current_resident(), pool_id, num, den, cap)
    if work.error is not None:
        return render_treasurer(pool_id, form), work.error.status
    full = matched_cents(result.base_cents, num, den, NO_CAP_CENTS)  # the ratio's match without the cap
    capped = (
        f" The cap held it below {num}:{den}, which would have been {format_money(full, found.currency)}: "
        "these pledges count as matched now."
        if result.matched_cents < full
        else ""
    )
    flash(
        f"The city matched {format_money(result.matched_cents, found.currency)} "
        f"for {format_money(result.base_cents, found.currency)} of pledges not matched before.{capped}",
        "success",
    )
    return redirect(url_for("groups.treasurer", pool_id=pool_id))
