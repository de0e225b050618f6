"""The worker command starts Huey's consumer on the configured queue, and a killed worker is gone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from app import create_app
from app.jobs.queue import enqueue
from config import TestingConfig
from tests.flask_cli import STRONG_KEY
from tests.redis_server import RedisServer
from tests.worker_process import ROOT, running_worker


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
    env.update(COMMONFIX_ENV="production", SECRET_KEY=STRONG_KEY, MAIL_BACKEND="smtp")
    env.pop("MAIL_SERVER", None)
    with running_worker(env, tmp_path / "worker.log") as worker:
        assert "mail via SMTP localhost:25 (MAIL_SERVER is not set)" in worker.log_text()


def test_a_redis_outage_is_a_few_log_lines_and_the_worker_carries_on_after(tmp_path: Path) -> None:
    """Huey's consumer logged a forty-line traceback per failed poll, several a second; now one line per
    message per 30 s, and the worker takes jobs again once Redis is back, without a restart."""
    (tmp_path / "redis").mkdir()
    server = RedisServer(tmp_path / "redis")
    server.start()
    env = worker_env(tmp_path, server.url(3))
    app = create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"], "QUEUE_URL": server.url(3)}
    )
    try:
        with running_worker(env, tmp_path / "worker.log", "--no-scheduler") as worker:
            server.stop()
            time.sleep(5)
            during = worker.log_text()
            server.start()  # the same port, empty
            enqueue(app, "mail.deliver", [])  # not a periodic job: the sweeps' routine runs log nothing
            deadline = time.monotonic() + 30
            while "Executing app.jobs.queue.mail.deliver" not in worker.log_text():
                assert time.monotonic() < deadline, worker.log_tail()
                time.sleep(0.2)
    finally:
        server.stop()
    assert "Traceback" not in during, during[-3000:]
    outage_lines = [line for line in during.splitlines() if "Error reading from queue" in line]
    assert len(outage_lines) == 1, outage_lines
    assert "the queue's Redis is out of reach" in outage_lines[0]
    assert "Error reading from queue: " in outage_lines[0]  # followed by the client's own words


def test_sigterm_stops_the_worker_gracefully_as_ctrl_c_does(tmp_path: Path) -> None:
    """systemd, Docker and Kubernetes stop services with SIGTERM, which Huey took as "stop at once",
    cutting off the job in hand; the worker now finishes its jobs first, as on Ctrl-C."""
    env = worker_env(tmp_path, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with running_worker(env, tmp_path / "worker.log", "--no-scheduler") as worker:
        worker.process.send_signal(signal.SIGTERM)
        worker.process.wait(timeout=30)
        said = worker.log_text()
    assert worker.process.returncode == 0, said[-3000:]
    assert "Shutting down gracefully..." in said
    assert "All workers have stopped." in said


def test_the_every_minute_sweeps_log_nothing_while_they_find_nothing_slow_or_wrong(tmp_path: Path) -> None:
    """An ops team reads the worker's log for what happened: the periodic sweeps (mail, tallies, rounds,
    matching periods, backings) wrote 12 lines a minute, 17,000 a day, each saying it ran. Their
    failures and the jobs' own lines (a mail written, a tally run) still show."""
    env = worker_env(tmp_path, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    migrated = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"], cwd=ROOT, env=env, capture_output=True
    )
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    with running_worker(env, tmp_path / "worker.log") as worker:
        time.sleep(3)  # the scheduler enqueues every periodic job at start, and the threads run them
        said = worker.log_text()
    assert "Periodic tasks are enabled" in said
    assert "Enqueueing periodic task" not in said, said
    assert "Executing app.jobs.queue." not in said, said
    assert " executed in " not in said, said


def test_a_worker_on_a_database_older_than_the_code_says_to_run_init_db(tmp_path: Path) -> None:
    """The web answers 503 naming init-db until an upgrade is migrated; the worker ran on and its jobs
    failed every minute with a traceback, the reason nowhere. Its first lines now say it."""
    env = worker_env(tmp_path, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with running_worker(env, tmp_path / "worker.log", "--no-scheduler") as worker:
        said = worker.log_text()
    warned = [line for line in said.splitlines() if "the database's schema is behind" in line]
    assert len(warned) == 1, said  # once: not again by Flask's own handler of the app's loggers
    assert "the database is never migrated" in warned[0]
    assert "run `flask --app wsgi init-db`" in warned[0]
    assert "Context impl" not in said  # Alembic's remarks while reading the revision


def test_a_worker_without_threads_is_refused() -> None:
    """Found from outside: `worker --workers 0` said it was ready and never ran a job."""
    app = create_app(TestingConfig)
    refused = app.test_cli_runner().invoke(args=["worker", "--workers", "0"])
    assert refused.exit_code == 2
    assert "Invalid value for '--workers': 0 is not in the range x>=1." in refused.output
