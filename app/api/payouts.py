"""API: a funded problem's money: its figures and payouts, officials' payouts and the remainder's return."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_login import current_user

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import payouts as shapes
from app.api.params import json_body
from app.extensions import db
from app.models import Payout
from app.ratelimits import limit
from app.services.funding import payouts
from app.services.funding.idempotency import IDEMPOTENCY_HEADER
from app.services.issues import money, queries
from app.services.workflow import moderation


def payout_json(issue_id: int, row: Payout | money.PayoutRow) -> dict[str, object]:
    return {
        "id": row.id,
        "issue_id": issue_id,
        "payee_kind": row.payee_kind,
        "payee_name": row.payee_name,
        "amount_cents": row.amount_cents,
        "invoice_ref": row.invoice_ref,
        "paid_on": row.paid_on.isoformat(),
        "posting_id": row.posting_id,
    }


@bp.get("/issues/<int:issue_id>/money")
@operation(
    operation_id="getIssueMoney",
    summary="A problem's committed money: paid, returned and remaining, with every payout",
    replies={200: Reply("The figures (zeros for a problem never funded)", shapes.IssueMoney)},
    errors=(404,),
)
def get_issue_money(issue_id: int) -> Response:
    moderation.check_visible(queries.get_issue(db.session, issue_id), current_user)
    found = money.money_of(db.session, issue_id)
    return jsonify(
        {
            "issue_id": issue_id,
            "currency": found.currency,
            "committed_cents": found.committed_cents,
            "paid_cents": found.paid_cents,
            "returned_cents": found.returned_cents,
            "remaining_cents": found.remaining_cents,
            "payouts": [payout_json(issue_id, p) for p in found.payouts],
        }
    )


@bp.post("/issues/<int:issue_id>/payouts")
@limit("RATE_LIMIT_PAYOUT", per_user=True)
@operation(
    operation_id="createPayout",
    summary="Record a payout for a funded problem's fix (officials); never more than what remains",
    description=(
        "201 with the payout recorded and posted to the ledger. With an Idempotency-Key (optional; "
        "one per payout, reused on retry) a retry or a second concurrent request returns the same "
        "payout with 200 and `Idempotent-Replayed: true`, and the same key with another payout is a "
        "409. Without one, each request records a payout."
    ),
    headers=shapes.PayoutHeaders,
    body={JSON: shapes.PayoutBody},
    replies={
        201: Reply("The payout recorded and posted to the ledger", shapes.Payout),
        200: Reply("Replayed: the payout recorded earlier with this key", shapes.Payout),
    },
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
def create_payout(issue_id: int) -> Response:
    user = require_user()
    body = json_body()
    asked = payouts.parse_payout(
        user,
        issue_id,
        payee_kind=body.get("payee_kind"),
        payee_name=body.get("payee_name"),
        amount_cents=body.get("amount_cents"),
        invoice_ref=body.get("invoice_ref"),
        paid_on=body.get("paid_on"),
    )
    key = request.headers.get(IDEMPOTENCY_HEADER) or None
    recorded = payouts.record_payout(db.session, user, asked, idempotency_key=key)
    db.session.commit()
    response = jsonify(payout_json(issue_id, recorded.payout))
    response.status_code = 201 if recorded.created else 200
    if not recorded.created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/issues/<int:issue_id>/remainder-return")
@limit("RATE_LIMIT_PAYOUT", per_user=True)
@operation(
    operation_id="returnRemainder",
    summary="Return what a funded problem's fix did not cost to where the money came from (officials)",
    replies={200: Reply("Where each cent went", shapes.Returned)},
    errors=(401, 403, 404, 409, 429),
    secured=True,
)
def return_remainder(issue_id: int) -> Response:
    user = require_user()
    done = payouts.return_remainder(db.session, user, issue_id)
    db.session.commit()
    return jsonify(
        {
            "issue_id": issue_id,
            "amount_cents": done.total_cents,
            "parts": [{"account": a, "amount_cents": c} for a, c in done.parts],
            "posting_ids": done.posting_ids,
        }
    )
