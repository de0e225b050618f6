"""The cashier's list at city size: every pending backing is reachable, page by page, and the page says
how many are waiting (it showed the oldest 500 and nothing said more were waiting)."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)

from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models.backing import Backing, BackingStatus
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.conftest import AuthActions

PER_PAGE = 100  # backings on a page of the cashier's list
WAITING = PER_PAGE + 1
FIRST = datetime(2026, 11, 2, 9, 0)


def pending_backings(app: Flask, backers: Backers) -> list[int]:
    """WAITING pending backings of one problem, a minute apart, each from its own resident; ids oldest
    first (the cashier's order)."""
    issue_id = backers.problem(cost_cents=10_000_000)
    residents = [backers.resident().id for _ in range(WAITING)]
    with app.app_context():
        made = [
            Backing(
                issue_id=issue_id,
                user_id=user_id,
                amount_cents=500,
                status=BackingStatus.PENDING.value,
                provider="treasurer-confirmed",
                idempotency_key=f"pending-{n}",
                created_at=FIRST + timedelta(minutes=n),
            )
            for n, user_id in enumerate(residents)
        ]
        db.session.add_all(made)
        db.session.commit()
        return [b.id for b in made]


def listed(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="backing-(\d+)"', page)]


def test_the_cashier_pages_through_every_pending_backing(
    app: Flask, client: FlaskClient, auth: AuthActions, backers: Backers
) -> None:
    order = pending_backings(app, backers)
    auth.login_as(backers.resident(role="official"))

    first = client.get("/staff/backings").get_data(as_text=True)
    assert f"{WAITING} backings waiting for their money" in first
    assert listed(first) == order[:PER_PAGE]
    assert 'rel="next" href="/staff/backings?page=2"' in first
    second = client.get("/staff/backings?page=2").get_data(as_text=True)
    assert listed(second) == order[PER_PAGE:]
    assert f"CF-B{order[-1]}" in second  # the newest backing's reference can be found
    beyond = client.get("/staff/backings?page=3").get_data(as_text=True)
    assert listed(beyond) == []
    assert f"({WAITING} waiting)" in beyond
    assert client.get("/staff/backings?page=0").status_code == 422


def test_the_api_pages_the_pending_backings_too(
    app: Flask, client: FlaskClient, auth: AuthActions, backers: Backers
) -> None:
    order = pending_backings(app, backers)
    headers = auth.headers(backers.resident(role="official"))

    first = client.get("/api/v1/backings/pending", headers=headers).get_json()
    assert (first["page"], first["per_page"], first["total"], first["has_next"]) == (
        1,
        PER_PAGE,
        WAITING,
        True,
    )
    assert [item["backing"]["id"] for item in first["items"]] == order[:PER_PAGE]
    second = client.get("/api/v1/backings/pending?page=2", headers=headers).get_json()
    assert (second["total"], second["has_next"]) == (WAITING, False)
    assert [item["backing"]["id"] for item in second["items"]] == order[PER_PAGE:]
