"""Round pages for voting codes and paper ballots: code batches and slips, the code a resident types,
and the officials' double-entry screen with its queue (waiting for a second official, disagreements)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Round
from app.ratelimits import limit
from app.rounds import bp
from app.rounds.ballot_view import submitted_ballot
from app.rounds.forms import CodeBatchForm, CodeClaimForm, PaperEntryForm, VoidForm
from app.services.funding import groups, ledger
from app.services.rounds import candidates, paper_ballots, voting_codes
from app.services.rounds.access import get_round
from app.services.rounds.paper_ballots import EntryOutcome
from app.unit_of_work import is_access_error, unit_of_work


def staff_round(round_id: int) -> Round:
    """The round, for an official; anyone else gets 403 before the round is looked up."""
    if not current_user.is_staff or current_user.is_blocked:
        abort(403)
    return get_round(db.session, round_id)


@bp.route("/rounds/<int:round_id>/codes", methods=["GET", "POST"])
@login_required
def code_batches(round_id: int) -> tuple[str, int] | Response:
    found = staff_round(round_id)
    form = CodeBatchForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            body = {"count": form.count.data, "label": form.label.data or ""}
            with unit_of_work(form, reraise=is_access_error) as work:
                new = voting_codes.create_batch(db.session, current_resident(), round_id, body)
            if work.error is not None:
                status = work.error.status
            elif form.output.data == "csv":
                response = Response(voting_codes.slips_csv(found, new), mimetype="text/csv")
                name = f"commonfix_round_{found.id}_codes_batch_{new.batch.id}.csv"
                response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
                response.headers["Cache-Control"] = "no-store"
                return response
            else:
                page = render_template(
                    "rounds/code_slips.html", round=found, batch=new.batch, codes=new.codes
                )
                return Response(page, mimetype="text/html", headers={"Cache-Control": "no-store"})
    return render_template(
        "rounds/codes.html",
        round=found,
        row=groups.get_group_row(db.session, found.group_id),
        batches=voting_codes.batches(db.session, round_id),
        form=form,
    ), status


@bp.post("/rounds/<int:round_id>/code")
@login_required
@limit("RATE_LIMIT_VOTING_CODE", per_user=True)
def claim_code(round_id: int) -> Response:
    form = CodeClaimForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(flash_prefix="Your code was not accepted. ", reraise=is_access_error) as work:
        voting_codes.claim_online(db.session, current_resident(), round_id, form.code.data)
    if not work.failed:
        flash("Your code is accepted: it is used up now, and you can vote on this ballot.", "success")
    return redirect(url_for("rounds.ballot", round_id=round_id))


def paper_page(found: Round, form: PaperEntryForm, outcome: EntryOutcome | None, sent: dict[int, int]) -> str:
    listed, _ = candidates.current(db.session, found)
    return render_template(
        "rounds/paper.html",
        round=found,
        row=groups.get_group_row(db.session, found.group_id),
        candidates=listed,
        titles={c.issue_id: c.title for c in listed},
        voter_field=paper_ballots.voter_field(found) if found.eligibility != "members" else None,
        form=form,
        outcome=outcome,
        sent=sent,
        queue=paper_ballots.queue(db.session, found.id, current_user.id),
        counts=paper_ballots.counts(db.session, found.id),
        void_form=VoidForm(),
        currency=ledger.pool_balance(db.session, found.pool_id).currency,
    )


@bp.route("/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@login_required
def paper(round_id: int) -> tuple[str, int]:
    found = staff_round(round_id)
    form = PaperEntryForm()
    outcome, sent, status = None, {}, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        body: dict[str, Any] = submitted_ballot(found)
        body |= {"code": form.code.data or None, "identifier": form.identifier.data or None}
        with unit_of_work(form, reraise=is_access_error) as work:
            outcome = paper_ballots.enter(db.session, current_resident(), round_id, body)
        if work.error is not None:
            status = work.error.status
            sent = sent_choices(body)
        else:
            form = PaperEntryForm(formdata=None)  # a fresh form for the next paper ballot
    return paper_page(found, form, outcome, sent), status


def sent_choices(body: dict[str, Any]) -> dict[int, int]:
    raw = body.get("points") or dict.fromkeys(body.get("issue_ids", []), 1)
    return {int(k): v for k, v in raw.items() if str(k).isdigit() and isinstance(v, int)}


@bp.post("/rounds/<int:round_id>/paper/<int:paper_id>/void")
@login_required
def void_paper(round_id: int, paper_id: int) -> Response:
    staff_round(round_id)
    form = VoidForm()
    if not form.validate_on_submit():
        abort(400)
    with unit_of_work(flash_prefix="Not voided: ", reraise=is_access_error) as work:
        paper_ballots.void(db.session, current_resident(), round_id, paper_id, form.reason.data)
    if not work.failed:
        flash(f"Paper ballot {paper_id} is void: it will not count.", "success")
    return redirect(url_for("rounds.paper", round_id=round_id) + "#queue")
