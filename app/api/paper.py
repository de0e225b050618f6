"""API: one-time voting codes (batches for officials, claims by residents) and paper ballots' double entry."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import paper as shapes
from app.api.params import json_body
from app.extensions import db
from app.models import PaperBallot
from app.models.timestamps import rfc3339, utcnow
from app.ratelimits import limit
from app.services.rounds import paper_ballots, voting_codes
from app.services.rounds.access import get_round, require_official


def batch_json(summary: voting_codes.BatchSummary, round_id: int) -> dict[str, Any]:
    return {
        "id": summary.id,
        "round_id": round_id,
        "label": summary.label,
        "count": summary.count,
        "used_online": summary.used_online,
        "used_paper": summary.used_paper,
        "created_at": rfc3339(summary.created_at),
        "created_by": summary.created_by,
    }


@bp.post("/rounds/<int:round_id>/code-batches")
@operation(
    operation_id="createCodeBatch",
    summary="Generate a batch of one-time voting codes for a codes round (officials); the codes are "
    "in this reply only",
    body={JSON: shapes.NewCodeBatch},
    replies={201: Reply("The batch with its codes in clear", shapes.CreatedCodeBatch)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def create_code_batch(round_id: int) -> tuple[Response, int]:
    user = require_user()
    new = voting_codes.create_batch(db.session, user, round_id, json_body())
    db.session.commit()
    body = batch_json(
        voting_codes.BatchSummary(
            new.batch.id, new.batch.label, new.batch.count, 0, 0, new.batch.created_at, user.display_name
        ),
        round_id,
    )
    return jsonify(body | {"codes": new.codes}), 201


@bp.get("/rounds/<int:round_id>/code-batches")
@operation(
    operation_id="listCodeBatches",
    summary="A round's voting code batches with how many codes were used online and on paper (officials)",
    replies={200: Reply("The batches, newest first", shapes.CodeBatchList)},
    errors=(401, 403, 404),
    secured=True,
)
def list_code_batches(round_id: int) -> Response:
    require_official(require_user(), "see voting code batches")
    get_round(db.session, round_id)
    listed = voting_codes.batches(db.session, round_id)
    return jsonify({"batches": [batch_json(b, round_id) for b in listed]})


@bp.post("/rounds/<int:round_id>/code-claims")
@limit("RATE_LIMIT_VOTING_CODE", per_user=True)
@operation(
    operation_id="claimVotingCode",
    summary="Use a one-time voting code to vote online in a codes round (once; rate limited)",
    body={JSON: shapes.CodeClaim},
    replies={200: Reply("The code is yours: vote with PUT .../ballot", shapes.ClaimedCode)},
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
def claim_voting_code(round_id: int) -> Response:
    code = voting_codes.claim_online(db.session, require_user(), round_id, json_body().get("code"))
    db.session.commit()
    used_at = rfc3339(code.used_at or utcnow())
    return jsonify({"round_id": round_id, "used_at": used_at, "used_via": "online"})


@bp.post("/rounds/<int:round_id>/paper-ballots")
@operation(
    operation_id="enterPaperBallot",
    summary="Enter a paper ballot (officials): it counts once two different officials' entries agree",
    body={JSON: shapes.PaperBallotBody},
    replies={200: Reply("What this entry did", shapes.PaperEntry)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def enter_paper_ballot(round_id: int) -> Response:
    outcome = paper_ballots.enter(db.session, require_user(), round_id, json_body())
    db.session.commit()
    return jsonify(
        {
            "paper_ballot_id": outcome.paper_ballot_id,
            "entry": outcome.entry,
            "status": outcome.status,
            "message": outcome.message,
        }
    )


@bp.get("/rounds/<int:round_id>/paper-ballots")
@operation(
    operation_id="paperBallotQueue",
    summary="Paper ballots per status and those still open: awaiting a second official, or disputed",
    replies={200: Reply("The queue", shapes.PaperQueue)},
    errors=(401, 403, 404),
    secured=True,
)
def paper_ballot_queue(round_id: int) -> Response:
    user = require_user()
    require_official(user, "see the paper ballots")
    get_round(db.session, round_id)
    items = paper_ballots.queue(db.session, round_id, user.id)
    return jsonify(
        {
            "round_id": round_id,
            "counts": paper_ballots.counts(db.session, round_id),
            "open": [
                {
                    "id": item.id,
                    "voter": item.voter,
                    "status": item.status,
                    "entries": [
                        {
                            "official": name,
                            "entered_at": rfc3339(at),
                            "choices": {str(k): v for k, v in choices.items()},
                        }
                        for name, at, choices in item.entries
                    ],
                    "entered_by_you": item.entered_by_viewer,
                }
                for item in items
            ],
        }
    )


@bp.post("/rounds/<int:round_id>/paper-ballots/<int:paper_id>/void")
@operation(
    operation_id="voidPaperBallot",
    summary="Void a paper ballot that waits or is disputed (officials): it never counts",
    body={JSON: shapes.VoidBody},
    replies={200: Reply("The voided ballot", shapes.VoidedPaperBallot)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def void_paper_ballot(round_id: int, paper_id: int) -> Response:
    voided: PaperBallot = paper_ballots.void(
        db.session, require_user(), round_id, paper_id, json_body().get("reason")
    )
    db.session.commit()
    return jsonify(
        {"id": voided.id, "round_id": round_id, "status": "void", "void_reason": voided.void_reason or ""}
    )
