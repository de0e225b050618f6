"""API: neighbourhood groups (join, leave), pools, idempotent pledges and their confirmation."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, current_app, jsonify, request, url_for

from app.api import bp
from app.api.auth import require_user
from app.api.params import json_body
from app.extensions import db
from app.models import Pledge
from app.services.funding import groups, ledger, pledges
from app.services.funding.payments import get_provider
from app.services.kernel.errors import ValidationError


def group_json(row: groups.GroupRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "area": {"id": row.area_id, "name": row.area_name},
        "pool_id": row.pool_id,
        "members": row.members,
        "url": url_for("groups.detail", group_id=row.id, _external=True),
    }


def pledge_json(found: Pledge) -> dict[str, object]:
    return {
        "id": found.id,
        "pool_id": found.pool_id,
        "amount_cents": found.amount_cents,
        "status": found.status,
        "show_name": found.show_name,
        "provider": found.provider,
        "created_at": found.created_at.isoformat() + "Z",
        "confirmed_at": found.confirmed_at.isoformat() + "Z" if found.confirmed_at else None,
    }


@bp.get("/groups")
def list_groups() -> Response:
    return jsonify({"groups": [group_json(row) for row in groups.list_groups(db.session)]})


@bp.get("/groups/<int:group_id>")
def get_group(group_id: int) -> Response:
    return jsonify(group_json(groups.get_group_row(db.session, group_id)))


@bp.post("/groups/<int:group_id>/members")
def join_group(group_id: int) -> Response:
    """Join; joining again changes nothing (200 instead of 201)."""
    joined = groups.join(db.session, require_user(), group_id)
    db.session.commit()
    response = jsonify({"member": True, **group_json(groups.get_group_row(db.session, group_id))})
    response.status_code = 201 if joined else 200
    return response


@bp.delete("/groups/<int:group_id>/members")
def leave_group(group_id: int) -> Response:
    """Leave; leaving a group one is not in changes nothing. Confirmed pledges stay in the pool."""
    groups.leave(db.session, require_user(), group_id)
    db.session.commit()
    return jsonify({"member": False, **group_json(groups.get_group_row(db.session, group_id))})


@bp.get("/pools/<int:pool_id>")
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
            **asdict(figures),
            "transparency_url": url_for("groups.pool", pool_id=pool_id, _external=True),
        }
    )


@bp.post("/pools/<int:pool_id>/pledges")
def create_pledge(pool_id: int) -> Response:
    """201 with the new pledge; a retry with the same Idempotency-Key returns that pledge with 200."""
    user = require_user()
    key = request.headers.get(pledges.IDEMPOTENCY_HEADER)
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
def confirm_pledge(pledge_id: int) -> Response:
    """A group admin or official confirms the money arrived; confirming twice changes nothing."""
    found = pledges.confirm(db.session, require_user(), pledge_id)
    db.session.commit()
    return jsonify(pledge_json(found))
