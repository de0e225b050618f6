"""A member's ballot page: the candidates to tick or give points to, saved until voting closes.

A ballot with nothing chosen is saved only once the voter says so: the page asks first (found from
outside: a tap on "Save my ballot" before ticking anything saved a blank ballot over one's choices).
The API's ballots are not asked: a program that sends an empty ballot means it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Round
from app.models.timestamps import utcnow
from app.rounds import bp
from app.rounds.forms import ActionForm, CodeClaimForm
from app.rounds.likes_ballot_view import likes_ballot_page
from app.services.funding import groups, ledger
from app.services.kernel.errors import DomainError
from app.services.kernel.parsing import is_whole_number
from app.services.rounds import (
    ballot_cards,
    ballots,
    candidates,
    eligibility,
    like_ballots,
    voting_codes,
    windows,
)
from app.services.rounds import money as round_money
from app.services.rounds.access import get_round
from app.unit_of_work import is_access_error, unit_of_work


@bp.route("/rounds/<int:round_id>/ballot", methods=["GET", "POST"])
@login_required
def ballot(round_id: int) -> tuple[str, int] | Response:
    found = get_round(db.session, round_id)
    if like_ballots.is_likes_round(found):
        if request.method == "POST":
            abort(405)  # a likes ballot is changed one like at a time (likes_ballot_toggle)
        return likes_ballot_page(found), 200
    status, error, submitted, ask_blank = 200, None, None, False
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        submitted = submitted_ballot(found)
        blank = is_blank(submitted)
        ask_blank = blank and request.form.get("blank") != "yes" and may_vote_now(found)
        if not ask_blank:
            # The ballot page shows the error in its own summary, with the field it concerns.
            with unit_of_work(reraise=is_access_error, show=False) as work:
                ballots.cast_ballot(
                    db.session,
                    current_resident(),
                    round_id,
                    submitted,
                    page_drawn_from=request.form.get("drawn_from"),
                )
            if work.error is None:
                flash(
                    "Your ballot is saved with no problem chosen: a blank ballot, which counts in the "
                    "turnout. You can change it until voting closes."
                    if blank
                    else "Your ballot is saved. You can change it until voting closes.",
                    "success",
                )
                return redirect(url_for("rounds.ballot", round_id=round_id))
            status, error = work.error.status, work.error
    listed, _ = candidates.current(db.session, found)
    refused = eligibility.refusal(db.session, current_resident(), found)
    stored = ballots.ballot_of(db.session, round_id, current_user.id)
    voting_open = windows.is_voting_open(found, utcnow())
    stale = error is not None and error.field == "drawn_from"  # show the ballot saved since, not this
    if submitted is not None and voting_open and not stale:
        # Redisplay what was sent, less what is not an issue id at all (the error names the field); once
        # voting has closed the page shows the ballot that counts, not one refused (found from outside).
        sent = submitted.get("points") or dict.fromkeys(submitted.get("issue_ids", []), 1)
        stored = {int(k): v for k, v in sent.items() if is_whole_number(str(k))}
    saved_at = ballot_cards.saved_at(db.session, round_id, current_user.id)
    return render_template(
        "rounds/ballot.html",
        round=found,
        candidates=listed,
        withdrawn=candidates.withdrawn(db.session, [c.issue_id for c in listed]),
        cards=ballot_cards.cards(db.session, [c.issue_id for c in listed]),
        chosen=stored or {},
        limits=ballots.limits_of(db.session, found),
        pool_cents=round_money.preview(db.session, found).budget_cents,
        saved_at=saved_at,
        drawn_from=ballots.drawn_from(saved_at),
        member=refused is None,
        refused=refused,
        row=groups.get_group_row(db.session, found.group_id),
        error=error,
        ask_blank=ask_blank,
        action=ActionForm(),
        currency=ledger.pool_balance(db.session, found.pool_id).currency,
        code_form=CodeClaimForm(),
        holds_code=voting_codes.held_by(db.session, round_id, current_user.id) is not None,
        opens_later=windows.opens_later(found, utcnow()),
        voting_open=voting_open,
    ), status


def is_blank(submitted: dict[str, Any]) -> bool:
    """Whether a ballot (as `submitted_ballot` gives it) chooses nothing: no tick, no point."""
    return not (submitted.get("issue_ids") or any(submitted.get("points", {}).values()))


def may_vote_now(found: Round) -> bool:
    """Whether the current resident could save a ballot now (the service's own check). Only then is a
    blank ballot asked about; otherwise saving it says why not."""
    try:
        ballots.require_may_cast(db.session, current_resident(), found)
    except DomainError:
        return False
    return True


def submitted_ballot(found: Round) -> dict[str, Any]:
    """The ballot form as the API's JSON body: issue_ids from the ticks, or points from the inputs."""
    if found.ballot == "cumulative":
        points: dict[str, object] = {}
        for key, value in request.form.items():
            if key.startswith("points-"):
                text = value.strip()
                points[key.removeprefix("points-")] = int(text) if is_whole_number(text) else (text or 0)
        return {"points": points}
    return {"issue_ids": [int(v) if is_whole_number(v) else v for v in request.form.getlist("issue_ids")]}
