"""The worker command starts Huey's consumer on the configured queue, and a killed worker is gone."""

from __future__ import annotations

import os
from pathlib import Path

from tests.redis_server import RedisServer
from tests.worker_process import running_worker


def worker_env(tmp_path: Path, queue_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        COMMONFIX_ENV="development",
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}",
        QUEUE_URL=queue_url,
        SPATIALITE_LIBRARY_PATH=env.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"),
    )
    return env


def test_worker_runs_on_the_embedded_queue_and_dies_when_killed(tmp_path: Path) -> None:
    env = worker_env(tmp_path, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with running_worker(env, tmp_path / "worker.log") as worker:
        assert "SqliteStorage" in worker.log_text()
        worker.kill()
        assert worker.process.returncode == -9
    assert (tmp_path / "queue.sqlite3").exists()


def test_worker_runs_on_redis(tmp_path: Path, redis_server: RedisServer) -> None:
    env = worker_env(tmp_path, redis_server.url(3))
    with running_worker(env, tmp_path / "worker.log") as worker:
        assert "RedisStorage" in worker.log_text()


def test_the_worker_says_where_mail_goes_and_that_mail_server_is_missing(tmp_path: Path) -> None:
    """Production sends through SMTP; without MAIL_SERVER that is localhost:25, said at start."""
    env = worker_env(tmp_path, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    env.update(COMMONFIX_ENV="production", SECRET_KEY="k" * 40, MAIL_BACKEND="smtp")
    env.pop("MAIL_SERVER", None)
    with running_worker(env, tmp_path / "worker.log") as worker:
        assert "mail via SMTP localhost:25 (MAIL_SERVER is not set)" in worker.log_text()
