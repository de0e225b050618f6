"""A pledger's own acts on their pledges: withdrawing one the treasurer has not confirmed."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from app.auth.routes import safe_next
from app.auth.sessions import current_resident
from app.extensions import db
from app.groups import bp
from app.groups.forms import ActionForm
from app.models import Pledge
from app.services.funding import pledges
from app.services.kernel.errors import Conflict
from app.unit_of_work import unit_of_work
from budgets.money import format_money


@bp.post("/pledges/<int:pledge_id>/withdraw")
@login_required
def withdraw(pledge_id: int) -> Response:
    """The "Withdraw" step on the group page and My Commonfix; back to `next` (else the group page).

    A pledge no longer pending (the treasurer confirmed it a moment before, say) is refused with a
    flash naming its state on the page the pledger came from, as the treasurer's out-of-date
    confirmation is (groups.routes._settle_pledge); nothing changed. Another resident's pledge, or
    none, keeps its error page (403, 404). Either message shows at the top of the part `next` names
    (My Commonfix's #money; commonfix.js moves it there), in view on a phone."""
    if not ActionForm().validate_on_submit():
        abort(400)
    back = safe_next("")  # read before any write (see safe_next)
    with unit_of_work(reraise=lambda error: not isinstance(error, Conflict)) as work:
        found = pledges.withdraw(db.session, current_resident(), pledge_id)
    if work.error is not None:
        refused = db.get_or_404(Pledge, pledge_id)
        group_id = pledges.get_pool(db.session, refused.pool_id).group_id
        return redirect(back or url_for("groups.detail", group_id=group_id))
    pool = pledges.get_pool(db.session, found.pool_id)
    flash(
        f"Your pledge of {format_money(found.amount_cents, pool.currency)} is withdrawn: it never counts "
        "in the pool, and the treasurer no longer waits for it.",
        "success",
    )
    return redirect(back or url_for("groups.detail", group_id=pool.group_id))
