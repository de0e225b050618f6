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
from app.services.kernel.errors import ValidationError


@bp.put("/issues/<int:issue_id>/estimate")
@operation(
    operation_id="putIssueEstimate",
    summary="Set an issue's cost estimate (officials); a costed open issue is a round candidate",
    description=(
        "409 once the problem is funded: its money was committed at the estimate. 409 (field fund_now) "
        "when the money held for the problem covers the new estimate and fund_now is not true: saving "
        "it funds the problem at once, which cannot be undone."
    ),
    body={JSON: EstimateBody},
    replies={200: Reply("The estimate stored", Estimate)},
    errors=(400, 401, 403, 404, 409, 422),
    secured=True,
)
def put_estimate(issue_id: int) -> Response:
    user = require_user()
    body = json_body()
    fund_now = body.get("fund_now", False)
    if not isinstance(fund_now, bool):
        raise ValidationError("fund_now must be true or false.", "fund_now")
    cents = backings.set_estimate_and_fund(
        db.session, user, issue_id, body.get("cost_cents"), fund_now=fund_now
    )
    db.session.commit()
    return jsonify({"issue_id": issue_id, "cost_cents": cents})
