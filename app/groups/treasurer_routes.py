"""The treasurers' page of a pool: its figures, the pledges to confirm, refunds, the city's match and
the pool's settings (moved from app/groups/routes.py, which had grown to its size limit)."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user, login_required

from app.auth.sessions import current_resident
from app.export_responses import streamed_csv
from app.extensions import db
from app.groups import bp
from app.groups.forms import ActionForm, MatchForm, PaymentDetailsForm, PoolStateForm
from app.models import Pool
from app.services.funding import (
    backing_paybacks,
    groups,
    ledger,
    matching,
    pledge_history,
    pledges,
    pool_refunds,
)
from app.services.rounds import lifecycle as round_lifecycle

RECENT_PLEDGES = 20  # the page lists the latest; the CSV holds them all


def _require_runs(pool_id: int) -> tuple[Pool, groups.GroupRow]:
    if not current_user.is_authenticated:
        abort(401)
    found = pledges.get_pool(db.session, pool_id)
    groups.require_runs_group(db.session, current_resident(), found.group_id)
    return found, groups.get_group_row(db.session, found.group_id)


@bp.get("/pools/<int:pool_id>/treasurer")
@login_required
def treasurer(pool_id: int) -> str:
    return render_treasurer(pool_id)


@bp.get("/pools/<int:pool_id>/pledges.csv")
@login_required
def pledges_csv(pool_id: int) -> Response:
    """Every pledge of the pool with its pledger and who settled it: the treasurers' own records (no-store:
    it names residents)."""
    found, _row = _require_runs(pool_id)
    response = streamed_csv(pledge_history.pledges_csv(db.session, pool_id), f"pool-{found.id}-pledges.csv")
    response.headers["Cache-Control"] = "no-store"
    return response


def render_treasurer(pool_id: int, refused_match: MatchForm | None = None) -> str:
    """The treasurers' page; `refused_match`: the city-match form sent back with its errors and input."""
    found, row = _require_runs(pool_id)
    figures = ledger.pool_balance(db.session, pool_id)
    return render_template(
        "groups/treasurer.html",
        pool=found,
        row=row,
        figures=figures,
        at_the_cashier_cents=backing_paybacks.owed_to_pool(db.session, pool_id),
        unmatched_cents=matching.unmatched_cents(db.session, pool_id, figures.confirmed_cents),
        pending=pledges.pending(db.session, pool_id),
        withdrawn=pledges.withdrawn(
            db.session, pool_id, None if request.args.get("withdrawn") == "all" else 10
        ),
        withdrawn_count=pledges.withdrawn_count(db.session, pool_id),
        recent=pledge_history.pledge_records(db.session, pool_id, limit=RECENT_PLEDGES),
        refunds=pool_refunds.pool_refunds(db.session, pool_id),
        holder=round_lifecycle.pool_holder(db.session, pool_id),
        own_pledger_id=current_user.id,
        action=ActionForm(),
        match_form=refused_match or MatchForm(),
        state_form=PoolStateForm(),
        payment_form=PaymentDetailsForm(formdata=None, payment_details=found.payment_details),
        is_staff=current_user.is_staff,
    )
