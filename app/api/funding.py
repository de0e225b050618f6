"""API: neighbourhood groups (join, leave), pools, idempotent pledges, their confirmation or decline,
and their pledger's withdrawal."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, current_app, jsonify, request

from app.api import bp
from app.api.auth import require_user
from app.api.contract import JSON, Reply, operation
from app.api.models import funding as shapes
from app.api.params import json_body
from app.extensions import db
from app.models import Pledge
from app.models.timestamps import rfc3339
from app.ratelimits import limit
from app.services.funding import groups, ledger, pledges
from app.services.funding.idempotency import IDEMPOTENCY_HEADER
from app.services.funding.payments import get_provider
from app.services.kernel.errors import ValidationError
from app.services.kernel.links import external_url


def group_json(row: groups.GroupRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "area": {"id": row.area_id, "name": row.area_name},
        "pool_id": row.pool_id,
        "members": row.members,
        "url": external_url("groups.detail", group_id=row.id),
    }


def pledge_json(found: Pledge) -> dict[str, object]:
    return {
        "id": found.id,
        "pool_id": found.pool_id,
        "amount_cents": found.amount_cents,
        "status": found.status,
        "show_name": found.show_name,
        "provider": found.provider,
        "created_at": rfc3339(found.created_at),
        "confirmed_at": rfc3339(found.confirmed_at) if found.confirmed_at else None,
        "withdrawn_at": rfc3339(found.withdrawn_at) if found.withdrawn_at else None,
    }


@bp.get("/groups")
@operation(
    operation_id="listGroups",
    summary="Neighbourhood groups, each with its area, pool id and member count",
    replies={200: Reply("Every group", shapes.GroupList)},
)
def list_groups() -> Response:
    return jsonify({"groups": [group_json(row) for row in groups.list_groups(db.session)]})


@bp.get("/groups/<int:group_id>")
@operation(
    operation_id="getGroup",
    summary="One group",
    replies={200: Reply("The group", shapes.Group)},
    errors=(404,),
)
def get_group(group_id: int) -> Response:
    return jsonify(group_json(groups.get_group_row(db.session, group_id)))


@bp.post("/groups/<int:group_id>/members")
@operation(
    operation_id="joinGroup",
    summary="Join the group (idempotent: 201 when joining, 200 when already a member)",
    replies={201: Reply("Joined", shapes.Membership), 200: Reply("Already a member", shapes.Membership)},
    errors=(401, 403, 404),
    secured=True,
)
def join_group(group_id: int) -> Response:
    """Join; joining again changes nothing (200 instead of 201)."""
    joined = groups.join(db.session, require_user(), group_id)
    db.session.commit()
    response = jsonify({"member": True, **group_json(groups.get_group_row(db.session, group_id))})
    response.status_code = 201 if joined else 200
    return response


@bp.delete("/groups/<int:group_id>/members")
@operation(
    operation_id="leaveGroup",
    summary="Leave the group (idempotent); confirmed pledges stay in the pool",
    replies={200: Reply("Not a member now", shapes.Membership)},
    errors=(401, 403, 404),
    secured=True,
)
def leave_group(group_id: int) -> Response:
    """Leave; leaving a group one is not in changes nothing. Confirmed pledges stay in the pool."""
    groups.leave(db.session, require_user(), group_id)
    db.session.commit()
    return jsonify({"member": False, **group_json(groups.get_group_row(db.session, group_id))})


@bp.get("/pools/<int:pool_id>")
@operation(
    operation_id="getPool",
    summary="A pool's money, derived from its ledger",
    replies={200: Reply("The pool", shapes.Pool)},
    errors=(404,),
)
def get_pool(pool_id: int) -> Response:
    figures = ledger.pool_balance(db.session, pool_id)
    pool = pledges.get_pool(db.session, pool_id)
    return jsonify(
        {
            "id": pool_id,
            "group_id": pool.group_id,
            "open": pool.is_open,
            "min_pledge_cents": pool.min_pledge_cents,
            "max_pledge_cents": pool.max_pledge_cents,
            "payment_details": pool.payment_details,
            **asdict(figures),
            "transparency_url": external_url("groups.pool", pool_id=pool_id),
        }
    )


@bp.post("/pools/<int:pool_id>/pledges")
@operation(
    operation_id="createPledge",
    summary="Pledge to a pool (members); the same Idempotency-Key is one pledge",
    description=(
        "201 with the new pledge. A retry with the same Idempotency-Key (even concurrent) returns the same "
        "pledge with 200 and `Idempotent-Replayed: true`; the same key with a different pool or amount is a "
        "409. With the treasurer-confirmed provider the pledge is pending until a group admin confirms it. "
        "Rate limited per resident (`RATE_LIMIT_PLEDGE`, the group page counting too; accepted pledges "
        "and retries count, refused ones do not): 429 with Retry-After."
    ),
    headers=shapes.PledgeHeaders,
    body={JSON: shapes.NewPledge},
    replies={
        201: Reply("Pledged", shapes.Pledge),
        200: Reply("Replayed: the pledge made earlier with this key", shapes.Pledge),
    },
    errors=(400, 401, 403, 404, 409, 422, 429),
    secured=True,
)
@limit("RATE_LIMIT_PLEDGE", per_user=True, refusals_count=False)
def create_pledge(pool_id: int) -> Response:
    """201 with the new pledge; a retry with the same Idempotency-Key returns that pledge with 200."""
    user = require_user()
    key = request.headers.get(IDEMPOTENCY_HEADER)
    data = json_body()
    show_name = data.get("show_name", False)
    if not isinstance(show_name, bool):
        raise ValidationError("show_name must be true or false.", "show_name")
    provider = get_provider(current_app.config["PAYMENT_PROVIDER"])
    outcome = pledges.pledge(
        db.session, user, pool_id, data.get("amount_cents"), key, provider, show_name=show_name
    )
    db.session.commit()
    response = jsonify(pledge_json(outcome.pledge))
    response.status_code = 201 if outcome.created else 200
    if not outcome.created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/pledges/<int:pledge_id>/confirm")
@operation(
    operation_id="confirmPledge",
    summary="Confirm the pledge's money arrived (group admins, officials); idempotent",
    description="Never by the pledger: their own pledge is a 403 naming `pledge_id` (another admin of the "
    "group or a city official confirms it). A declined pledge, or one its pledger withdrew, is a 409 "
    "naming `pledge_id`.",
    replies={200: Reply("Confirmed", shapes.Pledge)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def confirm_pledge(pledge_id: int) -> Response:
    """A group admin or official, never the pledger, confirms the money arrived; idempotent."""
    found = pledges.confirm(db.session, require_user(), pledge_id)
    db.session.commit()
    return jsonify(pledge_json(found))


@bp.post("/pledges/<int:pledge_id>/decline")
@operation(
    operation_id="declinePledge",
    summary="Decline a pending pledge whose money never arrived (group admins, officials); idempotent",
    description="Nothing is posted. A confirmed pledge, or one its pledger withdrew, is a 409 naming "
    "`pledge_id`, and so is confirming a declined one. Never by the pledger: their own pledge is a 403 "
    "naming `pledge_id`.",
    replies={200: Reply("Declined", shapes.Pledge)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def decline_pledge(pledge_id: int) -> Response:
    """A group admin or official, never the pledger, declines a pending pledge; idempotent."""
    found = pledges.decline(db.session, require_user(), pledge_id)
    db.session.commit()
    return jsonify(pledge_json(found))


@bp.post("/pledges/<int:pledge_id>/withdraw")
@operation(
    operation_id="withdrawPledge",
    summary="Withdraw my own pending pledge (its pledger only), before a treasurer confirms it",
    description="The pledge is marked `withdrawn` (never deleted) with `withdrawn_at`; it leaves the pool's "
    "`pending_cents` and the treasurer's queue, and nothing is posted. Only its pledger: anyone else is a "
    "403 naming `pledge_id`. A confirmed, declined or already withdrawn pledge is a 409 naming "
    "`pledge_id`, its message naming the state; nothing changes. Withdrawal and confirmation exclude "
    "each other, also when sent at once.",
    replies={200: Reply("Withdrawn", shapes.Pledge)},
    errors=(401, 403, 404, 409),
    secured=True,
)
def withdraw_pledge(pledge_id: int) -> Response:
    """The pledger takes back a pledge whose money the treasurer has not confirmed."""
    found = pledges.withdraw(db.session, require_user(), pledge_id)
    db.session.commit()
    return jsonify(pledge_json(found))
