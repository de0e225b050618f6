"""Calls and reads the census and eligibility tests share: uploads, verifications, counts, audits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, User
from tests.funding.round_world import RoundWorld

OLD_TOWN_IDS = ["AB-1001", "AB-1002", "AB-1003", "AB-1004"]


def count(world: RoundWorld, model: Any, *where: Any) -> int:
    with world.app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def audits(world: RoundWorld, action: str) -> list[AuditEntry]:
    with world.app.app_context():
        db.session().expire_on_commit = False
        return list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        )


def upload(world: RoundWorld, area_id: int, identifiers: list[str], by: User | None = None) -> Any:
    return world.client.post(
        f"/api/v1/areas/{area_id}/census",
        json={"identifiers": identifiers},
        headers=world.headers(by or world.official),
    )


def verify(world: RoundWorld, user: User, area_id: int, identifier: str) -> Any:
    return world.client.post(
        f"/api/v1/areas/{area_id}/census/verification",
        json={"identifier": identifier},
        headers=world.headers(user),
    )


def old_town(world: RoundWorld) -> int:
    return world.funding.city["Old Town"]


def riverside(world: RoundWorld) -> int:
    return world.funding.city["Riverside"]


def error_of(response: Any) -> dict[str, Any]:
    return dict(response.get_json()["error"])
