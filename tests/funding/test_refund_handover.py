"""A treasurer marks each part of their pool's refund handed back, once; the pledger reads it so on My
Commonfix and in the API; their own part is marked by another admin or an official (found from
outside: the treasurer page listed the refunds with no way to record one paid, while the city's cashier
has "Mark paid back"). Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, ReturnPayback
from app.services.funding import pool_refunds
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_pool_refund_parts import refunded_world
from tests.funding_fixtures import funding  # noqa: F401


def refunded_parts(world: RoundWorld) -> list[pool_refunds.RefundPart]:
    refunded_world(world)
    assert world.ref is not None
    with world.app.app_context():
        return pool_refunds.pool_refunds(db.session, world.ref.pool_id)


def marks(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(ReturnPayback)) or 0)


def test_a_part_is_marked_handed_back_once_and_its_pledger_reads_it(
    app: Flask, client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    parts = refunded_parts(world)
    assert world.ref is not None
    assert world.admin is not None
    pledger = world.members[0]
    pledger_headers = auth.headers(
        pledger
    )  # before any login: a token asked with a login's cookie needs CSRF
    [theirs] = [p for p in parts if p.user_id == pledger.id]
    url = f"/pools/{world.ref.pool_id}/refunds/{theirs.line_id}/handed-back"

    auth.login_as(pledger)
    assert "the treasurer has not marked it handed back yet" in client.get("/account").get_data(as_text=True)
    assert client.post(url).status_code == 403  # a pledger does not mark their own money received
    assert marks(app) == 0

    auth.login_as(world.admin)
    page = client.get(f"/pools/{world.ref.pool_id}/treasurer").get_data(as_text=True)
    assert f'action="{url}"' in page
    done = client.post(url, follow_redirects=True)
    assert "Marked handed back" in done.get_data(as_text=True)
    again = client.post(url, follow_redirects=True)
    assert "This part was marked handed back already." in again.get_data(as_text=True)
    assert marks(app) == 1
    page = client.get(f"/pools/{world.ref.pool_id}/treasurer").get_data(as_text=True)
    assert f'data-testid="handed-back-{theirs.line_id}"' in page
    assert f'action="{url}"' not in page

    auth.login_as(pledger)
    mine = client.get("/account").get_data(as_text=True)
    assert "handed back <time" in mine
    [line] = app.test_client().get("/api/v1/account", headers=pledger_headers).get_json()["refunds"]
    assert line["handed_back_at"] is not None
    with app.app_context():
        entry = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "pool.refund_handed_back")
        ).one()
        assert entry.details["amount_cents"] == theirs.amount_cents


def test_a_treasurers_own_part_is_marked_by_someone_else_and_lines_of_other_pools_are_not_found(
    app: Flask, client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    parts = refunded_parts(world)
    assert world.ref is not None
    assert world.admin is not None
    [own] = [p for p in parts if p.user_id == world.admin.id]
    url = f"/pools/{world.ref.pool_id}/refunds/{own.line_id}/handed-back"
    auth.login_as(world.admin)
    page = client.get(f"/pools/{world.ref.pool_id}/treasurer").get_data(as_text=True)
    assert "Another admin or a city official marks your own part." in page
    refused = client.post(url, follow_redirects=True)
    assert "Another admin of the group or a city official marks your own part handed back." in (
        refused.get_data(as_text=True)
    )
    assert marks(app) == 0
    other = world.funding.group()
    assert client.post(f"/pools/{other.pool_id}/refunds/{own.line_id}/handed-back").status_code == 403
    auth.login_as(world.official)
    assert client.post(url).status_code == 302
    assert marks(app) == 1
    missing = client.post(f"/pools/{world.ref.pool_id}/refunds/999999/handed-back", follow_redirects=True)
    assert "There is no part 999999 of this pool&#39;s refunds." in missing.get_data(as_text=True)
