"""Backings under a real multi-process server (gunicorn, 3 workers) on a SQLite file and on PostGIS:
8 concurrent backers x 50 backings of one problem land exact to the cent in its escrow; one
Idempotency-Key sent by many threads at once is one backing."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.models import Issue, LedgerPosting
from app.models.backing import Backing
from app.services.funding import ledger
from app.services.funding.transparency import check_ledger
from budgets.accounts import escrow_account
from tests import factories
from tests.browser.live_server import server_env
from tests.gunicorn_server import gunicorn
from tests.live_api import bearer, call, post_amounts_at_once, post_one_key_from_threads, server_database
from tests.migrated_databases import MigratedDatabases
from tests.ports import free_port

BACKERS = 8
BACKINGS_EACH = 50
COST_CENTS = 100_000_000  # far above what 400 backings add up to: the campaign stays open

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    issue_id: int
    emails: list[str]


def prepare(database_url: str) -> tuple[int, list[str]]:
    """A costed open problem in Old Town and 8 confirmed residents."""
    with server_database(database_url) as session:
        factories.load_city(session)
        issue = factories.new_issue(session)
        session.execute(update(Issue).where(Issue.id == issue.id).values(cost_estimate_cents=COST_CENTS))
        emails = [factories.new_user(session, email=f"backer{n}@example.org").email for n in range(BACKERS)]
        session.commit()
        return issue.id, emails


@pytest.fixture(params=[pytest.param("spatialite"), pytest.param("postgis", marks=pytest.mark.postgis)])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_databases: MigratedDatabases
) -> Iterator[Server]:
    env = server_env(tmp_path)
    migrated_databases.new(request.param, env, f"backing_race_{free_port()}")
    env["PAYMENT_PROVIDER"] = "test"
    env["BACKING_DEFAULT_CAP_CENTS"] = str(BACKINGS_EACH * 10_000)
    issue_id, emails = prepare(env["DATABASE_URL"])
    with gunicorn(env, tmp_path / "server.log", workers=3, threads=4) as url:
        yield Server(url, env["DATABASE_URL"], issue_id, emails)


def database_totals(database_url: str, issue_id: int) -> tuple[int, int, int, object]:
    with server_database(database_url) as session:
        backings = session.scalar(select(func.count(Backing.id)).where(Backing.issue_id == issue_id))
        postings = session.scalar(
            select(func.count(LedgerPosting.id)).where(LedgerPosting.issue_id == issue_id)
        )
        escrow = ledger.account_balance(session, escrow_account(issue_id))
        violation, _count = check_ledger(session)
    return int(backings or 0), int(postings or 0), escrow, violation


def test_concurrent_backings_are_exact_and_one_key_is_one_backing(server: Server) -> None:
    rng = random.Random(18)
    plans = [[rng.randint(100, 10_000) for _ in range(BACKINGS_EACH)] for _ in range(BACKERS)]
    headers = [bearer(server.url, email) for email in server.emails]
    endpoint = f"{server.url}/api/v1/issues/{server.issue_id}/backings"

    post_amounts_at_once(endpoint, plans, headers, "held")
    expected = sum(sum(plan) for plan in plans)
    status, feature = call("GET", f"{server.url}/api/v1/issues/{server.issue_id}")
    assert status == 200
    funding = feature["properties"]["funding"]
    assert (funding["backed_cents"], funding["backers"]) == (expected, BACKERS)

    post_one_key_from_threads(endpoint, 777, headers[0])  # one backing, one posting

    backings, postings, escrow, violation = database_totals(server.database_url, server.issue_id)
    assert backings == BACKERS * BACKINGS_EACH + 1
    assert postings == BACKERS * BACKINGS_EACH + 1
    assert escrow == expected + 777
    assert violation is None
