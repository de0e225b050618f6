"""API: back a problem (idempotent, like pledges) and the funding figures a problem carries."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import backings as shapes
from app.api.models.funding import PledgeHeaders
from app.api.params import json_body
from app.extensions import db
from app.models.backing import CURRENCY, Backing, BackingStatus
from app.models.timestamps import rfc3339, utcnow
from app.ratelimits import limit
from app.services.funding import backings, pending_backings
from app.services.funding.idempotency import IDEMPOTENCY_HEADER
from app.services.funding.payments import get_provider
from app.services.kernel.errors import ValidationError


def backing_json(found: Backing) -> dict[str, object]:
    return {
        "id": found.id,
        "issue_id": found.issue_id,
        "amount_cents": found.amount_cents,
        "status": found.status,
        "fallback": found.fallback,
        "show_name": found.show_name,
        "provider": found.provider,
        "period_id": found.period_id,
        "created_at": rfc3339(found.created_at),
        "settled_at": rfc3339(found.settled_at) if found.settled_at else None,
        "reference": pending_backings.payment_reference(found.id),
        "payment_instructions": (
            pending_backings.payment_instructions(found, CURRENCY)
            if found.status == BackingStatus.PENDING.value
            else None
        ),
    }


def funding_json(figures: backings.IssueFunding | None) -> dict[str, object] | None:
    if figures is None:
        return None
    return {
        "cost_cents": figures.cost_cents,
        "backed_cents": figures.backed_cents,
        "backers": figures.backers,
        "match_cents": figures.match_cents,
        "paid_cents": figures.paid_cents,
        "deadline": rfc3339(figures.deadline) if figures.deadline else None,
        "new_backing_deadline": (
            rfc3339(figures.new_backing_deadline) if figures.new_backing_deadline else None
        ),
        "pending_cents": figures.pending_cents,
    }


@bp.post("/issues/<int:issue_id>/backings")
@operation(
    operation_id="createBacking",
    summary="Back a costed open problem (confirmed residents); the same Idempotency-Key is one backing",
    description=(
        "201 with the new backing, its money held in the problem's escrow; with the shipped payment "
        "provider the backing is `pending` (nothing posted) and carries `payment_instructions`: whom to "
        "pay, quoting `reference`, until an official confirms the money arrived. A retry with the same "
        "Idempotency-Key (even concurrent) returns the same backing with 200 and `Idempotent-Replayed: "
        "true`; the same key with another problem or amount is a 409. A problem whose escrow reaches its "
        "cost is funded at once (the backing's status is then `committed`)."
    ),
    headers=PledgeHeaders,
    body={JSON: shapes.NewBacking},
    replies={
        201: Reply("Backed", shapes.Backing),
        200: Reply("Replayed: the backing made earlier with this key", shapes.Backing),
    },
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_BACKING", per_user=True)
def create_backing(issue_id: int) -> Response:
    """201 with the new backing; a retry with the same Idempotency-Key returns that backing with 200."""
    user = require_user()
    data = json_body()
    show_name = data.get("show_name", False)
    if not isinstance(show_name, bool):
        raise ValidationError("show_name must be true or false.", "show_name")
    provider = get_provider(current_app.config["PAYMENT_PROVIDER"])
    now = utcnow()
    outcome = backings.back(
        db.session,
        user,
        issue_id,
        data.get("amount_cents"),
        request.headers.get(IDEMPOTENCY_HEADER),
        provider,
        now,
        fallback=data.get("fallback"),
        show_name=show_name,
    )
    db.session.commit()
    response = jsonify(backing_json(outcome.backing))
    response.status_code = 201 if outcome.created else 200
    if not outcome.created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/backings/<int:backing_id>/withdraw")
@operation(
    operation_id="withdrawBacking",
    summary="Withdraw my own backing while it waits for the city's cashier (its backer only)",
    description="The backing becomes `cancelled`; nothing was posted, so nothing moves. Only its backer: "
    "anyone else is a 403 naming `backing_id`. A backing no longer `pending` (confirmed, cancelled, "
    "refunded, ...) is a 409 naming `backing_id`, its message naming the state; nothing changes. "
    "Withdrawal and the cashier's confirmation exclude each other, also when sent at once.",
    replies={200: Reply("Withdrawn", shapes.Backing)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def withdraw_backing(backing_id: int) -> Response:
    """The backer takes back a backing whose money the cashier has not confirmed."""
    found = pending_backings.withdraw(db.session, require_user(), backing_id, utcnow())
    db.session.commit()
    return jsonify(backing_json(found))
