"""A small deployment for the fault tests and the queue benchmark: a database holding a round with
thousands of real ballots (bench/rounds_bench.py's builder), the web app in this process, and
`flask --app wsgi worker` processes sharing its database and queue through the environment.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.jobs.queue import queue_of
from app.models import AuditEntry, Round, TallyJob
from bench.rounds_bench import build
from config import DevelopmentConfig
from tests import factories
from tests.api_contract import ContractClient
from tests.worker_process import WorkerProcess, start_worker

ADMIN = "admin@bench.example.org"  # the builder's admin
SYNC_MAX_BALLOTS = 100  # every round built here is tallied by a job


@dataclass(frozen=True)
class JobRow:
    status: str
    progress: int
    token: str
    error: str | None
    created_at: datetime


@dataclass
class Deployment:
    app: Flask
    env: dict[str, str]
    logs: Path
    round_id: int
    client: FlaskClient = field(init=False)
    headers: dict[str, str] = field(init=False)
    workers: list[WorkerProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.app.test_client_class = ContractClient  # every /api/v1 answer checked against the document
        self.client = self.app.test_client()
        reply = self.client.post(
            "/api/v1/tokens", json={"email": ADMIN, "password": factories.DEFAULT_PASSWORD}
        )
        assert reply.status_code == 201, reply.get_json()
        self.headers = {"Authorization": f"Bearer {reply.get_json()['token']}"}

    def start_worker(self, *args: str) -> WorkerProcess:
        worker = start_worker(self.env, self.logs / f"worker-{len(self.workers) + 1}.log", *args)
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for worker in self.workers:
            worker.stop()
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def request_tally(self) -> Any:
        return self.client.post(f"/api/v1/rounds/{self.round_id}/tally", headers=self.headers)

    def job(self, job_id: int) -> JobRow:
        with self.app.app_context():
            job = db.session.get(TallyJob, job_id)
            assert job is not None
            row = JobRow(job.status, job.progress, job.token, job.error, job.created_at)
            db.session.remove()
            return row

    def round(self) -> Round:
        with self.app.app_context():
            found = db.session.get(Round, self.round_id)
            assert found is not None
            db.session.expunge(found)
            db.session.remove()
            return found

    def wait(self, what: str, ready: Callable[[], bool], timeout: float = 60.0, every: float = 0.05) -> float:
        """Poll until `ready()`; the seconds it took. Fails with the workers' logs after `timeout`."""
        started = time.monotonic()
        while not ready():
            if time.monotonic() - started > timeout:
                logs = "\n".join(w.log_tail() for w in self.workers)
                raise AssertionError(f"{what}: not within {timeout:.0f} s\n{logs}")
            time.sleep(every)
        return time.monotonic() - started

    def recorded_tallies(self) -> int:
        """Tallies that recorded a (provisional) result: one audit entry each, written with it."""
        with self.app.app_context():
            count = db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "round.tally", AuditEntry.target_id == str(self.round_id))
            )
            db.session.remove()
            return int(count or 0)

    def ledger_check(self) -> tuple[int, str]:
        result = self.app.test_cli_runner().invoke(args=["ledger-check"])
        return result.exit_code, result.output


def deploy(
    database_url: str, queue_url: str, tmp_path: Path, ballots: int, lease_seconds: int, **config: Any
) -> Deployment:
    """Build the round in a fresh database and the web app on it; workers are started by the caller."""
    round_id, _admin_id = build(database_url, ballots)
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUEUE_URL": queue_url,
        "TALLY_SYNC_MAX_BALLOTS": SYNC_MAX_BALLOTS,
        "TALLY_LEASE_SECONDS": lease_seconds,
        "RATELIMIT_ENABLED": False,
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        **config,
    }
    app = create_app(DevelopmentConfig, settings)
    queue_of(app).flush()
    env = dict(os.environ)
    env.update(
        COMMONFIX_ENV="development",
        DATABASE_URL=database_url,
        QUEUE_URL=queue_url,
        TALLY_SYNC_MAX_BALLOTS=str(SYNC_MAX_BALLOTS),
        TALLY_LEASE_SECONDS=str(lease_seconds),
        RATELIMIT_ENABLED="false",
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        SPATIALITE_LIBRARY_PATH=env.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"),
    )
    return Deployment(app, env, tmp_path, round_id)
