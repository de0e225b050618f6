"""Pledges under a real multi-process server (gunicorn, 3 workers) on a SQLite file and on PostGIS:
8 concurrent pledgers x 50 pledges land exact to the cent; one Idempotency-Key sent by many threads at
once is one pledge."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import LedgerPosting, Pledge
from app.services.funding import groups, ledger, ledger_chain
from app.services.funding.transparency import check_ledger
from tests import factories
from tests.browser.live_server import server_env
from tests.gunicorn_server import gunicorn
from tests.live_api import bearer, call, post_amounts_at_once, post_one_key_from_threads, server_database
from tests.migrated_databases import MigratedDatabases
from tests.ports import free_port

PLEDGERS = 8
PLEDGES_EACH = 50

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    pool_id: int
    emails: list[str]


def prepare(database_url: str) -> tuple[int, list[str]]:
    """A group with an open pool (max 100.00) and 8 member residents."""
    with server_database(database_url) as session:
        factories.load_city(session)
        area_id = groups.area_id_by_name(session, "Old Town")
        group = groups.create_group(session, None, area_id, "Race club", max_pledge_cents=10_000)
        emails = []
        for n in range(PLEDGERS):
            user = factories.new_user(session, email=f"pledger{n}@example.org")
            groups.join(session, user, group.id)
            emails.append(user.email)
        pool_id = groups.get_group_row(session, group.id).pool_id
        session.commit()
        return pool_id, emails


@pytest.fixture(params=[pytest.param("spatialite"), pytest.param("postgis", marks=pytest.mark.postgis)])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_databases: MigratedDatabases
) -> Iterator[Server]:
    env = server_env(tmp_path)
    migrated_databases.new(request.param, env, f"pledge_race_{free_port()}")
    env["PAYMENT_PROVIDER"] = "test"
    pool_id, emails = prepare(env["DATABASE_URL"])
    with gunicorn(env, tmp_path / "server.log", workers=3, threads=4) as url:
        yield Server(url, env["DATABASE_URL"], pool_id, emails)


def database_totals(database_url: str, pool_id: int) -> tuple[int, int, int, object]:
    with server_database(database_url) as session:
        pledges = session.scalar(select(func.count(Pledge.id)).where(Pledge.pool_id == pool_id))
        postings = session.scalar(
            select(func.count(LedgerPosting.id)).where(LedgerPosting.pool_id == pool_id)
        )
        balance = ledger.pool_balance(session, pool_id).balance_cents
        violation, _count = check_ledger(session)
        # Postings committed by three server processes at once still form one unbroken hash chain.
        violation = violation or ledger_chain.check_chain(session)
    return int(pledges or 0), int(postings or 0), balance, violation


def test_concurrent_pledges_are_exact_and_one_key_is_one_pledge(server: Server) -> None:
    rng = random.Random(8)
    plans = [[rng.randint(100, 10_000) for _ in range(PLEDGES_EACH)] for _ in range(PLEDGERS)]
    headers = [bearer(server.url, email) for email in server.emails]
    endpoint = f"{server.url}/api/v1/pools/{server.pool_id}/pledges"

    post_amounts_at_once(endpoint, plans, headers, "confirmed")
    expected = sum(sum(plan) for plan in plans)
    status, figures = call("GET", f"{server.url}/api/v1/pools/{server.pool_id}")
    assert status == 200
    assert figures["confirmed_cents"] == expected
    assert figures["balance_cents"] == expected
    assert figures["pending_cents"] == 0

    post_one_key_from_threads(endpoint, 777, headers[0])  # one pledge, one posting

    pledges, postings, balance, violation = database_totals(server.database_url, server.pool_id)
    assert pledges == PLEDGERS * PLEDGES_EACH + 1
    assert postings == PLEDGERS * PLEDGES_EACH + 1
    assert balance == expected + 777
    assert violation is None
