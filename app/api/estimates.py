"""API: officials' cost estimates, which make an issue a candidate of funding rounds."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models.rounds import Estimate, EstimateBody
from app.api.params import json_body
from app.extensions import db
from app.services.funding import backings


@bp.put("/issues/<int:issue_id>/estimate")
@operation(
    operation_id="putIssueEstimate",
    summary="Set an issue's cost estimate (officials); a costed open issue is a round candidate",
    description="409 once the problem is funded: its money was committed at the estimate.",
    body={JSON: EstimateBody},
    replies={200: Reply("The estimate stored", Estimate)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def put_estimate(issue_id: int) -> Response:
    user = require_user()
    body = json_body()
    cents = backings.set_estimate_and_fund(db.session, user, issue_id, body.get("cost_cents"))
    db.session.commit()
    return jsonify({"issue_id": issue_id, "cost_cents": cents})
