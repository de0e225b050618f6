"""API: participatory-budgeting rounds: create, phases, candidates, ballots, tally, results, .pb export."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import rounds as shapes
from app.api.params import int_param, json_body
from app.extensions import db
from app.models import Round, TallyJob, User
from app.models.rounds import PHASE_ORDER
from app.models.timestamps import rfc3339, utcnow
from app.services.kernel.links import external_url
from app.services.rounds import (
    ballots,
    candidates,
    certification,
    like_ballots,
    like_toggles,
    turnout,
    windows,
    your_ballot,
)
from app.services.rounds import export as round_export
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import lifecycle as rounds
from app.services.rounds import results as round_results
from app.services.rounds.access import get_round
from app.tally_runner import start_tally
from budgets.money import NO_CAP_CENTS


def stamp(at: datetime | None) -> str | None:
    return None if at is None else rfc3339(at)


def round_json(found: Round) -> dict[str, Any]:
    ratio = f"{found.match_num}:{found.match_den}" if found.match_num and found.match_den else None
    cap = found.match_cap_cents if ratio and found.match_cap_cents != NO_CAP_CENTS else None
    phases = [
        {"phase": phase, "at": None if at is None else rfc3339(at)}
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
        "opens_at": stamp(found.opens_at),
        "closes_at": stamp(found.closes_at),
        "voting_open": windows.is_voting_open(found, utcnow()),
        "voting_closed_at": stamp(found.voting_closed_at),
        "min_turnout": found.min_turnout,
        "tally_held": turnout.is_held(db.session, found),
        "result_status": found.result_status,
        "certified_at": stamp(found.certified_at),
        "official_note": found.official_note,
        "eligibility": found.eligibility,
        "turnout": turnout_json(found),
        "url": external_url("rounds.detail", round_id=found.id),
    }


def turnout_json(found: Round) -> dict[str, Any] | None:
    figures = turnout.turnout_of(db.session, found)
    if figures is None:
        return None
    return {"ballots": figures.ballots, "eligible": figures.eligible, "final": figures.final}


def job_json(job: TallyJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "round_id": job.round_id,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "error": job.error,
        "url": external_url("api.get_tally_job", job_id=job.id),
        "page": external_url("rounds.tally_progress", round_id=job.round_id, job_id=job.id),
        "results": external_url("api.round_results_json", round_id=job.round_id),
    }


@bp.post("/rounds")
@operation(
    operation_id="createRound",
    summary="Create a round for a group's pool (group admins, officials)",
    body={JSON: shapes.NewRound},
    replies={201: Reply("Created", shapes.Round, headers={"Location": "the round's API URL"})},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def create_round() -> tuple[Response, int, dict[str, str]]:
    created = rounds.create_round(db.session, require_user(), json_body())
    db.session.commit()
    location = external_url("api.get_round_json", round_id=created.id)
    return jsonify(round_json(created)), 201, {"Location": location}


@bp.get("/rounds")
@operation(
    operation_id="listRounds",
    summary="List rounds, newest first",
    query=shapes.RoundsQuery,
    replies={200: Reply("The rounds", shapes.RoundList)},
    errors=(422,),
)
def list_rounds() -> Response:
    group_id = int_param("group_id")
    found = rounds.list_rounds(db.session, group_id)
    return jsonify({"rounds": [round_json(r) for r in found]})


@bp.get("/rounds/<int:round_id>")
@operation(
    operation_id="getRound",
    summary="A round with its phase dates",
    replies={200: Reply("The round", shapes.Round)},
    errors=(404,),
)
def get_round_json(round_id: int) -> Response:
    return jsonify(round_json(get_round(db.session, round_id)))


@bp.patch("/rounds/<int:round_id>")
@operation(
    operation_id="updateRound",
    summary="Change a round's terms (ballot, rule and eligibility only before voting opens; the match "
    "only by officials)",
    body={JSON: shapes.RoundTerms},
    replies={200: Reply("The round", shapes.Round)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def update_round(round_id: int) -> Response:
    changed = rounds.update_round(
        db.session, require_user(), round_id, json_body(known=shapes.RoundTerms.model_fields)
    )
    db.session.commit()
    return jsonify(round_json(changed))


@bp.post("/rounds/<int:round_id>/phase")
@operation(
    operation_id="moveRoundPhase",
    summary="Move the round to its next phase (forward only)",
    body={JSON: shapes.PhaseMove},
    replies={200: Reply("The round", shapes.Round)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def move_phase(round_id: int) -> Response:
    moved = rounds.advance(db.session, require_user(), round_id, json_body().get("phase"))
    db.session.commit()
    return jsonify(round_json(moved))


@bp.post("/rounds/<int:round_id>/voting-close")
@operation(
    operation_id="closeRoundVoting",
    summary="Close voting now (group admins, officials): no ballot is taken afterwards",
    replies={200: Reply("The round", shapes.Round)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def close_voting(round_id: int) -> Response:
    closed = windows.close_voting(db.session, require_user(), round_id)
    db.session.commit()
    return jsonify(round_json(closed))


@bp.post("/rounds/<int:round_id>/certification")
@operation(
    operation_id="certifyRound",
    summary="Certify the provisional result (city officials): posts the allocation, plans funded problems",
    replies={200: Reply("The certified results", shapes.Results)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def certify_round(round_id: int) -> Response:
    certification.certify(db.session, require_user(), round_id)
    db.session.commit()
    return jsonify(round_results.results(db.session, round_id).to_json())


@bp.post("/rounds/<int:round_id>/send-back")
@operation(
    operation_id="sendBackRound",
    summary="Send the provisional result back with a reason (city officials): the round can be tallied again",
    body={JSON: shapes.Reason},
    replies={200: Reply("The round", shapes.Round)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def send_back_round(round_id: int) -> Response:
    returned = certification.send_back(db.session, require_user(), round_id, json_body().get("reason"))
    db.session.commit()
    return jsonify(round_json(returned))


@bp.post("/rounds/<int:round_id>/turnout-release")
@operation(
    operation_id="releaseRoundTally",
    summary="Release a tally held for low turnout (city officials): the round may be tallied as it is",
    replies={200: Reply("The round", shapes.Round)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def release_round(round_id: int) -> Response:
    released = turnout.release(db.session, require_user(), round_id)
    db.session.commit()
    return jsonify(round_json(released))


@bp.post("/rounds/<int:round_id>/cancellation")
@operation(
    operation_id="cancelRound",
    summary="Cancel a round without a result (its group's admins before voting opens, else city officials)",
    body={JSON: shapes.Reason},
    replies={200: Reply("The round", shapes.Round)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def cancel_round(round_id: int) -> Response:
    cancelled = turnout.cancel(db.session, require_user(), round_id, json_body().get("reason"))
    db.session.commit()
    return jsonify(round_json(cancelled))


@bp.get("/rounds/<int:round_id>/candidates")
@operation(
    operation_id="roundCandidates",
    summary="The candidates: the snapshot once voting opened, else the live ranking",
    replies={200: Reply("The candidates", shapes.CandidateList)},
    errors=(404,),
)
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
                    "url": external_url("issues.detail", issue_id=c.issue_id),
                }
                for c in listed
            ],
        }
    )


@bp.get("/rounds/<int:round_id>/ballot")
@operation(
    operation_id="getBallot",
    summary="Your ballot",
    replies={200: Reply("The ballot", shapes.Ballot)},
    errors=(401, 403, 404),
    secured=True,
)
def my_ballot(round_id: int) -> Response:
    user = require_user()
    get_round(db.session, round_id)
    stored = ballots.ballot_of(db.session, round_id, user.id)
    return jsonify(ballot_json(round_id, stored, user))


def ballot_json(round_id: int, choices: dict[int, int] | None, user: User) -> dict[str, Any]:
    """The ballot: what it holds, and whether it counts (found from outside: a leaver's read as any other)."""
    found = get_round(db.session, round_id)
    if choices is None:
        return {"round_id": round_id, "cast": False}
    said: dict[str, Any] = {"round_id": round_id, "cast": True}
    if found.ballot == "cumulative":
        said["points"] = {str(k): v for k, v in choices.items()}
    else:
        said["issue_ids"] = sorted(choices)
    why_not = your_ballot.not_counted_words(db.session, found, user)
    said["counts"] = why_not is None
    if why_not is not None:
        said["not_counted"] = why_not
    return said


@bp.put("/rounds/<int:round_id>/ballot")
@operation(
    operation_id="putBallot",
    summary="Cast or replace your ballot (eligible residents, while voting is open; 403 says why not); on a "
    "likes ballot, like exactly the candidates in issue_ids (and unlike the others)",
    body={JSON: shapes.BallotChoices},
    replies={200: Reply("The ballot stored", shapes.Ballot)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def put_ballot(round_id: int) -> Response:
    user = require_user()
    choices: dict[int, int] | None
    if like_ballots.is_likes_round(get_round(db.session, round_id)):
        choices = like_toggles.set_ballot(db.session, user, round_id, json_body()) or None
    else:
        choices = ballots.cast_ballot(db.session, user, round_id, json_body())
    db.session.commit()
    return jsonify(ballot_json(round_id, choices, user))


@bp.post("/rounds/<int:round_id>/tally")
@operation(
    operation_id="tallyRound",
    summary="Tally the round: 200 with the provisional results, or 202 with a job for large rounds",
    replies={
        200: Reply("The results", shapes.Results),
        202: Reply(
            "Accepted: a background job tallies the round",
            shapes.TallyAccepted,
            headers={"Location": "the job's URL"},
        ),
    },
    errors=(401, 403, 404, 409),
    secured=True,
)
def tally_round(round_id: int) -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    started = start_tally(app, db.session, require_user(), round_id)
    if started.job is not None:
        return jsonify({"job": job_json(started.job)}), 202, {"Location": job_json(started.job)["url"]}
    return jsonify(round_results.results(db.session, round_id).to_json()), 200


@bp.get("/tally-jobs/<int:job_id>")
@operation(
    operation_id="getTallyJob",
    summary="A background tally's progress",
    replies={200: Reply("The job", shapes.TallyJob)},
    errors=(404,),
)
def get_tally_job(job_id: int) -> Response:
    return jsonify(job_json(tally_jobs.get_job(db.session, job_id)))


@bp.get("/rounds/<int:round_id>/results")
@operation(
    operation_id="roundResults",
    summary="A tallied round's results",
    replies={200: Reply("The results", shapes.Results)},
    errors=(404, 409),
)
def round_results_json(round_id: int) -> Response:
    return jsonify(round_results.results(db.session, round_id).to_json())


@bp.get("/rounds/<int:round_id>/export.pb")
@operation(
    operation_id="exportRoundPb",
    summary="The round as a Pabulib .pb file",
    replies={
        200: Reply(
            "The .pb file",
            media="text/plain",
            schema={"type": "string"},
            headers={"Content-Disposition": 'attachment; filename="<name>.pb"'},
        )
    },
    errors=(404, 409),
)
def export_pb(round_id: int) -> Response:
    country = str(current_app.config.get("PABULIB_COUNTRY", round_export.DEFAULT_COUNTRY))
    text, filename = round_export.pb_file(db.session, round_id, country)
    response = Response(text, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
