"""API: participatory-budgeting rounds: create, phases, candidates, ballots, tally, results, .pb export."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, url_for

from app.api import bp
from app.api.auth import require_user
from app.api.params import int_param, json_body
from app.extensions import db
from app.models import Round, TallyJob
from app.models.rounds import PHASE_ORDER
from app.services.rounds import ballots, candidates, tally
from app.services.rounds import export as round_export
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import lifecycle as rounds
from app.services.rounds import results as round_results
from app.services.rounds.access import get_round
from app.tally_runner import run_in_thread


def round_json(found: Round) -> dict[str, Any]:
    ratio = f"{found.match_num}:{found.match_den}" if found.match_num and found.match_den else None
    cap = found.match_cap_cents if ratio and found.match_cap_cents != rounds.NO_CAP_CENTS else None
    phases = [
        {"phase": phase, "at": None if at is None else at.isoformat() + "Z"}
        for phase, at in zip(
            PHASE_ORDER,
            (found.created_at, found.pledging_at, found.voting_at, found.tallied_at, found.closed_at),
            strict=True,
        )
        if found.has_voting_phase or phase != "voting"
    ]
    return {
        "id": found.id,
        "group_id": found.group_id,
        "pool_id": found.pool_id,
        "name": found.name,
        "ballot": found.ballot,
        "k": found.k,
        "points": found.points,
        "rule": found.rule,
        "top_n": found.top_n,
        "match_ratio": ratio,
        "match_cap_cents": cap,
        "leftover": found.leftover,
        "voting": found.has_voting_phase,
        "phase": found.phase,
        "phases": phases,
        "tally_running": found.tally_token is not None and not round_results.is_tallied(found),
        "url": url_for("rounds.detail", round_id=found.id, _external=True),
    }


def job_json(job: TallyJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "round_id": job.round_id,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "url": url_for("api.get_tally_job", job_id=job.id, _external=True),
        "page": url_for("rounds.tally_progress", round_id=job.round_id, job_id=job.id, _external=True),
        "results": url_for("api.round_results_json", round_id=job.round_id, _external=True),
    }


@bp.post("/rounds")
def create_round() -> tuple[Response, int, dict[str, str]]:
    created = rounds.create_round(db.session, require_user(), json_body())
    db.session.commit()
    location = url_for("api.get_round_json", round_id=created.id, _external=True)
    return jsonify(round_json(created)), 201, {"Location": location}


@bp.get("/rounds")
def list_rounds() -> Response:
    group_id = int_param("group_id")
    found = rounds.list_rounds(db.session, group_id)
    return jsonify({"rounds": [round_json(r) for r in found]})


@bp.get("/rounds/<int:round_id>")
def get_round_json(round_id: int) -> Response:
    return jsonify(round_json(get_round(db.session, round_id)))


@bp.patch("/rounds/<int:round_id>")
def update_round(round_id: int) -> Response:
    changed = rounds.update_round(db.session, require_user(), round_id, json_body())
    db.session.commit()
    return jsonify(round_json(changed))


@bp.post("/rounds/<int:round_id>/phase")
def move_phase(round_id: int) -> Response:
    moved = rounds.advance(db.session, require_user(), round_id, json_body().get("phase"))
    db.session.commit()
    return jsonify(round_json(moved))


@bp.get("/rounds/<int:round_id>/candidates")
def round_candidates(round_id: int) -> Response:
    found = get_round(db.session, round_id)
    listed, frozen = candidates.current(db.session, found)
    return jsonify(
        {
            "round_id": round_id,
            "snapshot": frozen,
            "candidates": [
                {
                    "issue_id": c.issue_id,
                    "title": c.title,
                    "cost_cents": c.cost_cents,
                    "likes": c.likes,
                    "position": c.position,
                    "url": url_for("issues.detail", issue_id=c.issue_id, _external=True),
                }
                for c in listed
            ],
        }
    )


@bp.get("/rounds/<int:round_id>/ballot")
def my_ballot(round_id: int) -> Response:
    user = require_user()
    get_round(db.session, round_id)
    stored = ballots.ballot_of(db.session, round_id, user.id)
    return jsonify(ballot_json(round_id, stored))


def ballot_json(round_id: int, choices: dict[int, int] | None) -> dict[str, Any]:
    found = get_round(db.session, round_id)
    if choices is None:
        return {"round_id": round_id, "cast": False}
    if found.ballot == "cumulative":
        return {"round_id": round_id, "cast": True, "points": {str(k): v for k, v in choices.items()}}
    return {"round_id": round_id, "cast": True, "issue_ids": sorted(choices)}


@bp.put("/rounds/<int:round_id>/ballot")
def put_ballot(round_id: int) -> Response:
    choices = ballots.cast_ballot(db.session, require_user(), round_id, json_body())
    db.session.commit()
    return jsonify(ballot_json(round_id, choices))


@bp.post("/rounds/<int:round_id>/tally")
def tally_round(round_id: int) -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    user = require_user()
    found = get_round(db.session, round_id)
    threshold = int(current_app.config.get("TALLY_SYNC_MAX_BALLOTS", tally_jobs.DEFAULT_SYNC_MAX_BALLOTS))
    if tally_jobs.is_large(db.session, found, threshold):
        job = tally_jobs.start_job(db.session, user, round_id)
        db.session.commit()
        run_in_thread(current_app._get_current_object(), job.id)  # type: ignore[attr-defined]  # Flask types current_app as its Flask, not as the proxy it is
        return jsonify({"job": job_json(job)}), 202, {"Location": job_json(job)["url"]}
    tally.tally_now(db.session, user, round_id, tally_jobs.new_token())
    db.session.commit()
    return jsonify(round_results.results(db.session, round_id).to_json()), 200


@bp.get("/tally-jobs/<int:job_id>")
def get_tally_job(job_id: int) -> Response:
    return jsonify(job_json(tally_jobs.get_job(db.session, job_id)))


@bp.get("/rounds/<int:round_id>/results")
def round_results_json(round_id: int) -> Response:
    return jsonify(round_results.results(db.session, round_id).to_json())


@bp.get("/rounds/<int:round_id>/export.pb")
def export_pb(round_id: int) -> Response:
    country = str(current_app.config.get("PABULIB_COUNTRY", round_export.DEFAULT_COUNTRY))
    text, filename = round_export.pb_file(db.session, round_id, country)
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
