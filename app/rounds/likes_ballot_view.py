"""The ballot page of a likes round: the member's likes among the candidates, one toggle per candidate."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Round
from app.models.timestamps import utcnow
from app.ratelimits import limit
from app.rounds import bp
from app.rounds.forms import ActionForm
from app.services.funding import groups, ledger
from app.services.rounds import ballot_cards, ballots, candidates, eligibility, like_toggles, windows
from app.services.rounds.access import get_round
from app.unit_of_work import is_access_error, unit_of_work


def likes_ballot_page(found: Round) -> str:
    listed, _ = candidates.current(db.session, found)
    chosen = ballots.ballot_of(db.session, found.id, current_user.id) or {}
    return render_template(
        "rounds/likes_ballot.html",
        round=found,
        candidates=listed,
        cards=ballot_cards.cards(db.session, [c.issue_id for c in listed]),
        chosen=chosen,
        # Who may vote, as every ballot page asks (found from outside: a member who joined after voting
        # opened was offered like buttons, then a bare 403).
        refused=eligibility.refusal(db.session, current_resident(), found),
        row=groups.get_group_row(db.session, found.group_id),
        voting_open=windows.is_voting_open(found, utcnow()),
        opens_later=windows.opens_later(found, utcnow()),
        action=ActionForm(),
        currency=ledger.pool_balance(db.session, found.pool_id).currency,
    )


def _count_words(chosen: int, listed: int) -> str:
    return f"{chosen} of the {listed} candidate{'' if listed == 1 else 's'}"


@bp.post("/rounds/<int:round_id>/ballot/likes/<int:issue_id>")
@login_required
@limit("RATE_LIMIT_LIKE", per_user=True)
def likes_ballot_toggle(round_id: int, issue_id: int) -> Response:
    """Add a candidate to a likes ballot (like it) or remove it (unlike it); back to the same card."""
    if not ActionForm().validate_on_submit():
        abort(400)
    found = get_round(db.session, round_id)
    target = url_for("rounds.ballot", round_id=round_id, _anchor=f"candidate-{issue_id}")
    with unit_of_work(flash_prefix="Your ballot did not change: ", reraise=is_access_error) as work:
        liked = like_toggles.parse_liked(request.form.get("liked"))
        now = like_toggles.toggle(db.session, current_resident(), round_id, issue_id, liked)
    if work.failed:
        return redirect(target)
    listed, _ = candidates.current(db.session, found)
    title = next((c.title for c in listed if c.issue_id == issue_id), f"Problem #{issue_id}")
    change = "is on your ballot: you like it" if liked else "is off your ballot: your like is withdrawn"
    flash(
        f"Saved. “{title}” {change}. Your likes count as your vote: {_count_words(len(now), len(listed))}.",
        "success",
    )
    return redirect(target)
