"""A likes round under a real multi-process server (gunicorn, 3 workers x 4 threads) on SQLite and
PostGIS: members change their likes ballots from many threads while voting closes and the round is
tallied; every change answered 200 is in the snapshot, every change refused left no like, so each
member's snapshot equals their likes among the candidates, and one tally reads exactly those."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models import Like, RoundBallot, RoundCandidate, User
from tests import factories
from tests.browser.live_server import server_env
from tests.gunicorn_server import gunicorn
from tests.live_api import bearer, call, server_database
from tests.migrated_databases import MigratedDatabases
from tests.ports import free_port

pytestmark = pytest.mark.slow
MEMBERS = 6
COSTS = (4000, 3000, 2000, 1000)


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    round_id: int
    issue_ids: list[int]
    admin_email: str
    member_emails: list[str]


def prepare(database_url: str) -> tuple[int, list[int], str, list[str]]:
    """A group whose likes round is in its voting phase: members, confirmed pledges, costed issues."""
    with server_database(database_url) as session:
        factories.load_city(session)
        found = factories.voting_round(
            session, "Likes race", "likes.example.org", MEMBERS, COSTS, ballot="likes"
        )
        round_id, issue_ids, admin, members = found
        session.commit()
        return round_id, issue_ids, admin.email, [member.email for member in members]


@pytest.fixture(params=[pytest.param("spatialite"), pytest.param("postgis", marks=pytest.mark.postgis)])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_databases: MigratedDatabases
) -> Iterator[Server]:
    env = server_env(tmp_path)
    migrated_databases.new(request.param, env, f"likes_race_{free_port()}")
    round_id, issue_ids, admin, members = prepare(env["DATABASE_URL"])
    with gunicorn(env, tmp_path / "server.log", workers=3, threads=4) as url:
        yield Server(url, env["DATABASE_URL"], round_id, issue_ids, admin, members)


def ballots_and_likes(server: Server) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(snapshot ballots, likes among the candidates) by member email."""
    with server_database(server.database_url) as session:
        snapshot = {
            email: sorted(int(k) for k in choices)
            for email, choices in session.execute(
                select(User.email, RoundBallot.choices)
                .join(User, User.id == RoundBallot.user_id)
                .where(RoundBallot.round_id == server.round_id)
            )
        }
        likes: dict[str, list[int]] = {}
        for email, issue_id in session.execute(
            select(User.email, Like.issue_id)
            .join(User, User.id == Like.user_id)
            .join(RoundCandidate, RoundCandidate.issue_id == Like.issue_id)
            .where(RoundCandidate.round_id == server.round_id, User.email.in_(server.member_emails))
            .order_by(Like.issue_id)
        ):
            likes.setdefault(email, []).append(issue_id)
    return snapshot, likes


@pytest.mark.parametrize("closer", ["voting-close", "tally"])
def test_changes_racing_the_close_or_the_tally_are_in_the_snapshot_or_not_stored(
    server: Server, closer: str
) -> None:
    url = f"{server.url}/api/v1/rounds/{server.round_id}"
    voters = [bearer(server.url, email) for email in server.member_emails]
    admin = bearer(server.url, server.admin_email)
    a, b, c, d = server.issue_ids
    choices = [[a], [b], [a, b], [c, d], [a, d], [b, c], [], [a, b, c, d]]

    def change(n: int) -> int:
        return call("PUT", f"{url}/ballot", {"issue_ids": choices[n % len(choices)]}, voters[n % MEMBERS])[0]

    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(change, range(48))) == {200}

    def change_or_close(n: int) -> int:
        if n == 30:
            return call("POST", f"{url}/{closer}", None, admin)[0] + 1000
        return change(n)

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(change_or_close, range(72)))
    assert answers[30] == 1200
    assert set(answers) - {1200} <= {200, 409}

    snapshot, likes = ballots_and_likes(server)
    assert snapshot == likes  # no change slipped past the close, none was lost
    assert call("PUT", f"{url}/ballot", {"issue_ids": [a]}, voters[0])[0] == 409

    if closer == "tally":
        status, results = call("GET", f"{url}/results")
    else:
        status, results = call("POST", f"{url}/tally", None, admin)
    assert status == 200, results
    assert results["rule"] == "equalshares/add1"
    assert results["turnout"]["ballots"] == len(snapshot)
