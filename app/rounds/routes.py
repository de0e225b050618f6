"""Round pages: a group's rounds, a round with its phase timeline, tally progress, results."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import Round
from app.models.rounds import ResultStatus
from app.models.timestamps import utcnow
from app.rounds import bp
from app.rounds.forms import (
    ActionForm,
    EligibilityForm,
    MatchForm,
    PhaseForm,
    ReasonForm,
    RoundForm,
)
from app.rounds.results_view import (
    first_share,
    funded_items,
    leftover_label,
    money_chart,
    plain_words,
    results_map,
    voter_share,
)
from app.services.funding import groups, ledger
from app.services.kernel.city_time import city_input
from app.services.kernel.parsing import parse_amount
from app.services.rounds import (
    ballots,
    candidates,
    eligibility,
    explanations,
    match_terms,
    turnout,
    windows,
    your_ballot,
)
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import lifecycle as rounds
from app.services.rounds import money as round_money
from app.services.rounds import results as round_results
from app.services.rounds.access import can_run, get_round
from app.tally_runner import start_tally
from app.unit_of_work import is_access_error, unit_of_work
from budgets.money import NO_CAP_CENTS, plain_cents

PHASE_LABELS = {
    "draft": "Draft",
    "pledging": "Pledging",
    "voting": "Voting",
    "tallied": "Tallied",
    "closed": "Closed",
}
NEXT_ACTION = {"pledging": "Open pledging", "voting": "Open voting", "closed": "Close the round"}


def confirmed() -> bool:
    """The confirmation step's button sends confirm=yes (rounds/_confirm.html); a bare POST does not."""
    return request.form.get("confirm") == "yes"


def runs(found_group_id: int) -> bool:
    return current_user.is_authenticated and can_run(db.session, current_resident(), found_group_id)


def timeline(found: Round) -> list[dict[str, Any]]:
    stamps = {
        "draft": found.created_at,
        "pledging": found.pledging_at,
        "voting": found.voting_at,
        "tallied": found.tallied_at,
        "closed": found.closed_at,
    }
    order = [p for p in PHASE_LABELS if found.has_voting_phase or p != "voting"]
    current = order.index(found.phase)
    cancelled = found.result_status == ResultStatus.CANCELLED.value

    def state(i: int, p: str) -> str:
        if i == current:
            return "current"
        # A cancelled round skipped the phases it never reached (found from outside: "Tallied —" done).
        reached = i < current and not (cancelled and stamps[p] is None)
        return "done" if reached else "todo"

    return [
        {
            "phase": p,
            "label": "Cancelled" if cancelled and p == "closed" else PHASE_LABELS[p],
            "at": stamps[p],
            "state": state(i, p),
        }
        for i, p in enumerate(order)
    ]


@bp.route("/groups/<int:group_id>/rounds", methods=["GET", "POST"])
def group_list(group_id: int) -> tuple[str, int] | Response:
    row = groups.get_group_row(db.session, group_id)
    form = RoundForm()
    status = 200
    if request.method == "POST":
        if not current_user.is_authenticated:
            abort(401)
        status = 422
        if form.validate_on_submit():
            with unit_of_work(form, reraise=lambda exc: exc.status == 403) as work:
                created = rounds.create_round(db.session, current_resident(), _round_data(group_id, form))
            if work.error is not None:
                status = work.error.status
            else:
                flash(f"Round “{created.name}” created as a draft.", "success")
                return redirect(url_for("rounds.detail", round_id=created.id))
    listed = rounds.list_rounds(db.session, group_id)
    rule_names = {r.rule: explanations.rule_words(r.rule).name for r in listed}
    page = render_template(
        "rounds/list.html", row=row, rounds=listed, rule_names=rule_names, form=form, runs=runs(group_id)
    )
    return page, status


def _round_data(group_id: int, form: RoundForm) -> dict[str, object]:
    """What the form says, for the service; typed times are read in the city's zone."""
    return {
        "group_id": group_id,
        "name": form.name.data,
        "ballot": form.ballot.data,
        "k": form.k.data,
        "points": form.points.data,
        "rule": form.rule.data,
        "top_n": form.top_n.data,
        "leftover": form.leftover.data,
        "voting": bool(form.voting.data),
        "opens_at": city_input(form.opens_at.data, "opens_at"),
        "closes_at": city_input(form.closes_at.data, "closes_at"),
        "min_turnout": form.min_turnout.data,
        "eligibility": form.eligibility.data,
    }


@bp.get("/rounds/<int:round_id>")
def detail(round_id: int) -> str:
    return render_detail(get_round(db.session, round_id))


def render_detail(found: Round, refused_match: MatchForm | None = None) -> str:
    """The round's page; `refused_match`: the city-match form sent back with its errors and input."""
    row = groups.get_group_row(db.session, found.group_id)
    listed, frozen = candidates.current(db.session, found)
    runner = runs(found.group_id)
    user = current_resident() if current_user.is_authenticated else None
    refused = eligibility.refusal(db.session, user, found)
    # A cancelled round allocates nothing: no live pool figures (found from outside).
    ended = round_results.is_tallied(found) or found.result_status == ResultStatus.CANCELLED.value
    preview = None if ended else round_money.preview(db.session, found)
    job = tally_jobs.latest_job(db.session, found.id)
    return render_template(
        "rounds/detail.html",
        round=found,
        row=row,
        rule=explanations.rule_words(found.rule),
        timeline=timeline(found),
        candidates=listed,
        # Found from outside: a problem withdrawn while its round voted was listed like the others.
        withdrawn={}
        if round_results.is_tallied(found)
        else candidates.withdrawn(db.session, [c.issue_id for c in listed]),
        frozen=frozen,
        runs=runner,
        member=refused is None,
        refused=refused,
        eligibility_words=eligibility.POLICY_WORDS[found.eligibility].capitalize(),
        eligibility_frozen=eligibility.voting_opened(found),
        eligibility_form=EligibilityForm(eligibility=found.eligibility),
        turnout_figures=turnout.turnout_of(db.session, found),
        preview=preview,
        figures=ledger.pool_balance(db.session, found.pool_id),
        next_phase=rounds.next_phase(found),
        next_action=NEXT_ACTION,
        pool_holder=rounds.pool_holder(db.session, found.pool_id, found.id)
        if found.phase == "draft"
        else None,
        ballots_cast=ballots.ballots_cast(db.session, found),
        my_ballot=ballots.ballot_of(db.session, found.id, user.id) if user and refused is None else None,
        job=job,
        phase_form=PhaseForm(),
        action=ActionForm(),
        match_form=refused_match or match_form(found),
        no_cap_cents=NO_CAP_CENTS,
        match_fixed=match_terms.fixed_since(found),
        reason_form=ReasonForm(),
        currency=ledger.pool_balance(db.session, found.pool_id).currency,
        held=turnout.is_held(db.session, found),
        voting_open=windows.is_voting_open(found, utcnow()),
        opens_later=windows.opens_later(found, utcnow()),
    )


@bp.post("/rounds/<int:round_id>/phase")
@login_required
def move_phase(round_id: int) -> Response:
    form = PhaseForm()
    if not form.validate_on_submit():
        abort(400)
    if form.phase.data == "voting" and not confirmed():
        if not runs(get_round(db.session, round_id).group_id):
            abort(403)
        flash("Voting was not opened: confirm it with the button that says what happens.", "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    with unit_of_work(reraise=is_access_error) as work:
        moved = rounds.advance(db.session, current_resident(), round_id, form.phase.data)
    if work.failed:
        return redirect(url_for("rounds.detail", round_id=round_id))
    flash(f"The round is now in its {PHASE_LABELS[moved.phase].lower()} phase.", "success")
    return redirect(url_for("rounds.detail", round_id=round_id))


def match_form(found: Round) -> MatchForm:
    """The match form as the round stands (found from outside: its empty cap field, sent again,
    removed the cap, and its "1:1" default read as a match on a round that had none)."""
    form = MatchForm()
    if not form.is_submitted():
        if found.match_num is not None:
            form.match_ratio.data = f"{found.match_num}:{found.match_den}"
        if found.match_cap_cents is not None and found.match_cap_cents != NO_CAP_CENTS:
            form.match_cap.data = plain_cents(found.match_cap_cents)
    return form


@bp.post("/rounds/<int:round_id>/match")
@login_required
def set_match(round_id: int) -> tuple[str, int] | Response:
    form = MatchForm()
    if not form.validate_on_submit():
        abort(400)
    # A refusal is shown beside its field with what was typed (found from outside: a flash at the top
    # of the page, and both fields empty again).
    with unit_of_work(form, field_names={"match_cap_cents": "match_cap"}, reraise=is_access_error) as work:
        typed_cap = (form.match_cap.data or "").strip()
        cap = parse_amount(typed_cap, "match_cap", label="Cap") if typed_cap else None
        data = {"match_ratio": form.match_ratio.data, "match_cap_cents": cap}
        rounds.update_round(db.session, current_resident(), round_id, data)
    if work.failed:
        return render_detail(get_round(db.session, round_id), form), 422
    ratio = (form.match_ratio.data or "").strip()
    flash(
        f"The city will match pledges {ratio} when the round is tallied."
        if ratio
        else "The round has no city match now.",
        "success",
    )
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/tally")
@login_required
def run_tally(round_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    if not confirmed():
        if not runs(get_round(db.session, round_id).group_id):
            abort(403)
        flash("The round was not tallied: confirm it with the button that says what happens.", "error")
        return redirect(url_for("rounds.detail", round_id=round_id))
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # start_tally commits (a worker runs the job in its own session, so the claim must be committed); the
    # unit of work's commit after it finds nothing left to do, and a refusal is rolled back and flashed.
    with unit_of_work(reraise=is_access_error) as work:
        started = start_tally(app, db.session, current_resident(), round_id)
    if work.failed:
        return redirect(url_for("rounds.detail", round_id=round_id))
    if started.job is not None:
        return redirect(url_for("rounds.tally_progress", round_id=round_id, job_id=started.job.id))
    flash(
        "The round is tallied. This result is provisional: a city official certifies it before any "
        "money moves.",
        "success",
    )
    return redirect(url_for("rounds.results", round_id=round_id))


@bp.get("/rounds/<int:round_id>/tally/<int:job_id>")
def tally_progress(round_id: int, job_id: int) -> str:
    found = get_round(db.session, round_id)
    job = tally_jobs.get_job(db.session, job_id)
    if job.round_id != round_id:
        abort(404)
    return render_template("rounds/progress.html", round=found, job=job)


@bp.get("/rounds/<int:round_id>/results")
def results(round_id: int) -> str | Response:
    found = get_round(db.session, round_id)
    if not round_results.is_tallied(found):
        flash("This round has not been tallied yet.", "info")
        return redirect(url_for("rounds.detail", round_id=round_id))
    outcome = round_results.results(db.session, round_id)
    row = groups.get_group_row(db.session, found.group_id)
    mine, blank, left, withdrawn, only_withdrawn = None, False, False, [], False
    if current_user.is_authenticated and found.has_voting_phase:
        choices = ballots.ballot_of(db.session, round_id, current_user.id)
        if choices is not None:
            left = your_ballot.left_before_tally(db.session, found, current_resident())
            mine = explanations.your_part(found.rule, found.ballot, funded_items(outcome), choices)
            blank = not any(v > 0 for v in choices.values())
            withdrawn = your_ballot.withdrawn_choices(outcome, choices)
            only_withdrawn = your_ballot.only_withdrawn(withdrawn, choices)
    return render_template(
        "rounds/results.html",
        round=found,
        row=row,
        results=outcome,
        chart=money_chart(outcome),
        leftover_label=leftover_label(outcome),
        map=results_map(outcome),
        sentences=plain_words(outcome),
        rule=explanations.rule_words(found.rule),
        share_cents=voter_share(outcome),
        start_cents=first_share(outcome),
        turnout_figures=turnout.turnout_of(db.session, found),
        mine=mine,
        blank=blank,
        left_before_tally=left,
        withdrawn_choices=withdrawn,
        only_withdrawn=only_withdrawn,
        currency=outcome.currency,
        reason_form=ReasonForm(),
        action=ActionForm(),
    )


@bp.get("/rounds/rules")
def rules() -> str:
    return render_template("rounds/rules.html")
