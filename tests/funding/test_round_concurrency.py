"""Rounds under a real multi-process server (gunicorn, 3 workers x 4 threads) on SQLite and PostGIS:
one member's concurrent ballots leave one ballot; concurrent tallies make exactly one allocation."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models import Issue, LedgerPosting, Round, RoundBallot, RoundCandidate, User
from app.services.funding.transparency import check_ledger
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
    runner_emails: list[str]
    member_emails: list[str]


def prepare(database_url: str) -> tuple[int, list[int], list[str], list[str]]:
    """A group whose round is in its voting phase (members, confirmed pledges, costed issues), and
    the two who may tally it: its admin and a city official."""
    with server_database(database_url) as session:
        factories.load_city(session)
        found = factories.voting_round(
            session, "Race", "race.example.org", MEMBERS, COSTS, ballot="approval", rule="equalshares/add1"
        )
        round_id, issue_ids, admin, members = found
        official = factories.new_user(session, email="official@race.example.org", role="official")
        session.commit()
        return round_id, issue_ids, [admin.email, official.email], [member.email for member in members]


@pytest.fixture(params=[pytest.param("spatialite"), pytest.param("postgis", marks=pytest.mark.postgis)])
def server(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_databases: MigratedDatabases
) -> Iterator[Server]:
    env = server_env(tmp_path)
    migrated_databases.new(request.param, env, f"tally_race_{free_port()}")
    round_id, issue_ids, runners, members = prepare(env["DATABASE_URL"])
    with gunicorn(env, tmp_path / "server.log", workers=3, threads=4) as url:
        yield Server(url, env["DATABASE_URL"], round_id, issue_ids, runners, members)


def in_database(database_url: str, round_id: int) -> dict[str, object]:
    with server_database(database_url) as session:
        count = lambda model, *where: session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
        return {
            "ballots": count(RoundBallot, RoundBallot.round_id == round_id),
            "allocations": count(LedgerPosting, LedgerPosting.kind == "allocation"),
            "matches_and_rollovers": count(LedgerPosting, LedgerPosting.kind.in_(("match", "rollover"))),
            "funded": count(
                RoundCandidate, RoundCandidate.round_id == round_id, RoundCandidate.funded.is_(True)
            ),
            "planned": count(Issue, Issue.status == "planned"),
            "phase": session.get(Round, round_id).phase,
            "violation": check_ledger(session)[0],
            "users": count(User),
            "payouts": count(LedgerPosting, LedgerPosting.kind == "payout"),
        }


def test_concurrent_ballots_tallies_and_certifications_make_one_ballot_each_and_one_allocation(
    server: Server,
) -> None:
    url = f"{server.url}/api/v1/rounds/{server.round_id}"
    voters = [bearer(server.url, email) for email in server.member_emails]
    a, b, c, d = server.issue_ids
    choices = [[a], [b], [a, b], [c, d], [a, d], [b, c]]

    # One member changing their mind from 12 threads at once: one ballot row, one of their choices.
    def revote(n: int) -> int:
        return call("PUT", f"{url}/ballot", {"issue_ids": choices[n % len(choices)]}, voters[0])[0]

    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(revote, range(12))) == {200}
    for n, headers in enumerate(voters):
        assert call("PUT", f"{url}/ballot", {"issue_ids": choices[n]}, headers)[0] == 200
    assert in_database(server.database_url, server.round_id)["ballots"] == MEMBERS

    runners = [bearer(server.url, email) for email in server.runner_emails]

    def tally(n: int) -> tuple[int, dict]:
        return call("POST", f"{url}/tally", None, runners[n % 2])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(tally, range(8)))

    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] + [409] * 7, answers
    winner = next(body for status, body in answers if status == 200)
    messages = {body["error"]["message"] for status, body in answers if status == 409}
    assert messages <= {"This round has already been tallied.", "A tally of this round is already running."}
    found = in_database(server.database_url, server.round_id)
    assert (found["allocations"], found["planned"]) == (0, 0)  # provisional: no money, no work planned
    assert found["funded"] == len(winner["funded"]) > 0
    assert found["phase"] == "tallied"
    status, results = call("GET", f"{url}/results")
    assert status == 200
    assert results == winner
    assert call("PUT", f"{url}/ballot", {"issue_ids": [a]}, voters[1])[0] == 409

    # Eight certifications at once by the official (served by 3 processes x 4 threads): one posts.
    official = runners[1]

    def certify(_n: int) -> tuple[int, dict]:
        return call("POST", f"{url}/certification", None, official)

    with ThreadPoolExecutor(8) as pool:
        certified = list(pool.map(certify, range(8)))

    assert sorted(status for status, _ in certified) == [200] + [409] * 7, certified
    assert {body["error"]["message"] for status, body in certified if status == 409} == {
        "This round's result is already certified; it cannot be certified again."
    }
    found = in_database(server.database_url, server.round_id)
    assert found["allocations"] == 1
    assert found["funded"] == found["planned"] == len(winner["funded"])
    assert found["violation"] is None

    # One payout sent from 12 threads at once with one Idempotency-Key (a double submit, a retrying
    # client): one payout is recorded and posted; the others answer 200 with it.
    funded_issue = winner["funded"][0]["issue_id"]
    payout = {
        "payee_kind": "contractor",
        "payee_name": "Race Paving Ltd",
        "amount_cents": 100,
        "invoice_ref": "R-1",
        "paid_on": datetime.now(UTC).date().isoformat(),
    }

    def pay(_n: int) -> tuple[int, dict]:
        headers = {**official, "Idempotency-Key": "pay-once"}
        return call("POST", f"{server.url}/api/v1/issues/{funded_issue}/payouts", payout, headers)

    with ThreadPoolExecutor(12) as pool:
        paid = list(pool.map(pay, range(12)))
    assert sorted(status for status, _ in paid) == [200] * 11 + [201], paid
    assert len({body["id"] for _, body in paid}) == 1
    found = in_database(server.database_url, server.round_id)
    assert (found["payouts"], found["violation"]) == (1, None)

    # The certified round has let the pool go. Four drafts of the group leave draft at once: a pool
    # runs one round at a time, so one opens pledging and three are refused.
    admin = runners[0]
    group_id = call("GET", url)[1]["group_id"]
    terms = {"group_id": group_id, "ballot": "approval", "rule": "greedy", "top_n": 5, "leftover": "rollover"}
    drafts = [
        call("POST", f"{server.url}/api/v1/rounds", terms | {"name": f"Next {n}"}, admin) for n in range(4)
    ]
    assert {status for status, _ in drafts} == {201}

    def open_pledging(draft: dict) -> tuple[int, dict]:
        return call("POST", f"{server.url}/api/v1/rounds/{draft['id']}/phase", {"phase": "pledging"}, admin)

    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(open_pledging, [body for _, body in drafts]))
    assert sorted(status for status, _ in opened) == [200, 409, 409, 409], opened
    assert {body["error"]["field"] for status, body in opened if status == 409} == {"phase"}
    phases = [in_database(server.database_url, body["id"])["phase"] for _, body in drafts]
    assert sorted(phases) == ["draft", "draft", "draft", "pledging"]
