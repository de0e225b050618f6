"""Fault tests with real worker processes: a worker killed with SIGKILL in the middle of a tally, and
Redis stopped while a tally is requested. Both database engines, both queue storages.

The worker runs without its scheduler and the test enqueues the sweep itself, as the scheduler does
every minute, so a test waits for the lease (a few seconds here), not for the next minute.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.jobs.queue import enqueue
from app.models.timestamps import utcnow
from tests.jobs.deployment import Deployment, deploy
from tests.postgis_cluster import PostgisCluster
from tests.redis_server import RedisServer

BALLOTS = 5000  # Equal Shares over 100 candidates: a tally of a few seconds
LEASE_SECONDS = 3
QUEUES = ("embedded SQLite queue", "Redis queue")


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of `backend` (the builder migrates it and loads the round)."""
    if backend == "postgis":
        cluster: PostgisCluster = request.getfixturevalue("postgis_cluster")
        return cluster.create_database(f"faults_{uuid.uuid4().hex[:12]}")
    return f"sqlite:///{tmp_path / 'app.sqlite3'}"


def queue_url_for(mode: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if mode == "Redis queue":
        server: RedisServer = request.getfixturevalue("redis_server")
        return server.url(6)
    return f"sqlite:///{tmp_path / 'queue.sqlite3'}"


@pytest.fixture(params=QUEUES)
def deployment(database_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    queue_url = queue_url_for(request.param, request, tmp_path)
    deployed = deploy(database_url, queue_url, tmp_path, BALLOTS, LEASE_SECONDS)
    try:
        yield deployed
    finally:
        deployed.stop()


def test_a_worker_killed_mid_tally_is_replaced_and_the_round_is_tallied_once(deployment: Deployment) -> None:
    d = deployment
    first = d.start_worker("--workers", "1", "--no-scheduler")
    response = d.request_tally()
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job"]["id"]

    d.wait("the first worker shows progress", lambda: d.job(job_id).progress >= 1, every=0.01)
    first.kill()

    killed = d.job(job_id)
    assert first.process.returncode == -9
    assert killed.status == "running"
    assert 1 <= killed.progress <= 99, killed  # the kill landed in the middle of the tally
    assert d.recorded_tallies() == 0
    assert d.round().phase == "voting"

    # The scheduler's sweep, once the dead attempt's lease has lapsed, puts the job back on the queue.
    d.wait("the lease lapses", lambda: (d.round().tally_lease_expires_at or utcnow()) < utcnow())
    d.start_worker("--workers", "1", "--no-scheduler")
    enqueue(d.app, "tally.sweep")
    d.wait("the next worker finishes the tally", lambda: d.job(job_id).status in ("done", "failed"))

    finished = d.job(job_id)
    assert (finished.status, finished.progress, finished.error) == ("done", 100, None)
    assert finished.token != killed.token  # a second attempt took the round over
    assert d.recorded_tallies() == 1
    code, output = d.ledger_check()
    assert code == 0, output
    assert output.startswith("Ledger OK")
    tallied = d.round()
    assert tallied.phase == "tallied"
    assert (tallied.spent_cents or 0) > 0
    results = d.client.get(f"/api/v1/rounds/{d.round_id}/results")
    assert results.status_code == 200
    assert results.get_json()["funded"]
    again = d.request_tally()
    assert again.status_code == 409
    assert again.get_json()["error"]["message"] == "This round has already been tallied."


def test_a_tally_requested_while_redis_is_down_is_kept_and_done_once_redis_is_back(
    database_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    d = deploy(database_url, redis_server.url(7), tmp_path, 300, LEASE_SECONDS)
    try:
        d.start_worker("--workers", "1", "--no-scheduler")
        redis_server.stop()
        try:
            response = d.request_tally()
            assert response.status_code == 202, response.get_json()
            job = response.get_json()["job"]
            assert job["status"] == "queued"
            assert d.client.get(job["url"]).get_json()["status"] == "queued"
            progress_page = d.client.get(f"/rounds/{d.round_id}/tally/{job['id']}")
            assert progress_page.status_code == 200
            assert b"Waiting to start" in progress_page.data
            assert d.client.get("/").status_code == 200
            assert d.client.get(f"/api/v1/rounds/{d.round_id}").status_code == 200
        finally:
            redis_server.start()
        waiting = d.job(job["id"])
        assert waiting.status == "queued"  # nothing reached the worker: the row holds the work

        limit = waiting.created_at + timedelta(seconds=LEASE_SECONDS)
        d.wait("the job has waited longer than the grace", lambda: utcnow() > limit)
        enqueue(d.app, "tally.sweep")
        d.wait("the worker tallies the round", lambda: d.job(job["id"]).status in ("done", "failed"))

        assert d.job(job["id"]).status == "done"
        assert d.recorded_tallies() == 1
        code, output = d.ledger_check()
        assert code == 0, output
    finally:
        d.stop()
