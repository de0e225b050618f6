"""The readiness check (/api/v1/health/ready): the database, its schema's revision and the job queue's
storage, on real databases of both backends, the embedded queue and a real redis-server."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.database.schema_state import MIGRATE_COMMAND
from app.extensions import db
from app.photo_stores import init_photo_store
from config import TestingConfig
from tests.api_contract import ContractClient
from tests.redis_server import RedisServer, RedisUnavailable

READY = {
    "database": {"ok": True, "detail": "answers"},
    "queue": {"ok": True, "detail": "answers"},
    "photos": {"ok": True, "detail": "writable"},
}


def test_a_migrated_database_and_a_live_queue_are_ready(client: FlaskClient) -> None:
    answer = client.get("/api/v1/health/ready")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ready"
    assert {name: body["checks"][name] for name in READY} == READY
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["migrations"]["detail"].startswith("at this code's head revision")
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}  # the liveness check as it was


def test_a_schema_behind_the_code_is_not_ready(app: Flask, client: FlaskClient) -> None:
    older = ScriptDirectory(app.extensions["migrate"].directory).get_revision("head").down_revision
    with app.app_context():
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        db.session.execute(text("UPDATE alembic_version SET version_num = :older"), {"older": older})
        db.session.commit()
    try:
        answer = client.get("/api/v1/health/ready")
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "not_ready"
    assert {name: body["checks"][name] for name in READY} == READY
    assert body["checks"]["migrations"] == {
        "ok": False,
        "detail": f"behind: the database is at revision {older}, this code needs {head}; "
        f"run `{MIGRATE_COMMAND}`",
    }


def test_the_embedded_queue_is_probed(app: Flask, tmp_path: Path) -> None:
    """Without QUEUE_URL the queue is a SQLite file in the instance folder; here one of the test's own."""
    embedded = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "QUEUE_URL": "sqlite:///" + str(tmp_path / "queue" / "queue.sqlite3"),
        },
    )
    embedded.test_client_class = ContractClient
    try:
        answer = embedded.test_client().get("/api/v1/health/ready")
        assert answer.status_code == 200
        assert answer.get_json()["checks"]["queue"] == {"ok": True, "detail": "answers"}
        assert (tmp_path / "queue" / "queue.sqlite3").is_file()
    finally:
        with embedded.app_context():
            db.engine.dispose()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own: stopping it disturbs no other test."""
    server = RedisServer(tmp_path)
    try:
        server.start()
    except RedisUnavailable as error:
        pytest.skip(str(error))
    try:
        yield server
    finally:
        server.stop()


def test_a_stopped_redis_queue_is_not_ready_and_names_nothing_secret(
    app: Flask, own_redis: RedisServer
) -> None:
    with_redis = create_app(
        TestingConfig,
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "QUEUE_URL": own_redis.url(3)},
    )
    with_redis.test_client_class = ContractClient
    client = with_redis.test_client()
    try:
        assert client.get("/api/v1/health/ready").status_code == 200
        own_redis.stop()
        answer = client.get("/api/v1/health/ready")
        assert answer.status_code == 503
        body = answer.get_json()
        assert body["status"] == "not_ready"
        assert body["checks"]["queue"] == {"ok": False, "detail": "unreachable"}
        assert body["checks"]["database"]["ok"] is True
        shown = answer.get_data(as_text=True)
        assert str(own_redis.port) not in shown
        assert "redis://" not in shown
        own_redis.start()
        assert client.get("/api/v1/health/ready").status_code == 200
    finally:
        with with_redis.app_context():
            db.engine.dispose()


def test_a_redis_that_does_not_answer_is_not_ready_and_each_problem_is_logged_once(
    app: Flask, own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Found from outside: a paused Redis held the probe (and a gunicorn thread) for the queue's 10 s
    timeout, and every probe while not ready logged its own warning."""
    with_redis = create_app(
        TestingConfig,
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "QUEUE_URL": own_redis.url(3)},
    )
    with_redis.test_client_class = ContractClient
    client = with_redis.test_client()
    caplog.set_level(logging.WARNING, logger="app.readiness")
    try:
        assert client.get("/api/v1/health/ready").status_code == 200
        # Paused longer than the probe waits: the probe gives up and says so (the queue's own
        # connection would have waited for the pause to end and answered "ready").
        redis.Redis(port=own_redis.port).execute_command("CLIENT", "PAUSE", 6000, "ALL")
        paused = client.get("/api/v1/health/ready")
        assert paused.status_code == 503
        assert paused.get_json()["checks"]["queue"] == {"ok": False, "detail": "unreachable"}
        own_redis.stop()
        for _ in range(3):
            assert client.get("/api/v1/health/ready").status_code == 503
        own_redis.start()
        assert client.get("/api/v1/health/ready").status_code == 200
        assert client.get("/api/v1/health/ready").status_code == 200
    finally:
        with with_redis.app_context():
            db.engine.dispose()

    lines = [record.getMessage() for record in caplog.records if record.name == "app.readiness"]
    # The pause's timeout, then the stop's refusal (a new problem), then the recovery: once each.
    assert len(lines) == 3, lines
    assert lines[0].startswith("Readiness: the job queue's storage is unreachable: ")
    assert lines[1].startswith("Readiness: the job queue's storage is unreachable: ")
    assert lines[2] == "Readiness: the job queue is ready again"


def test_an_unwritable_photo_folder_is_not_ready_and_stops_gunicorn_at_start(
    app: Flask, client: FlaskClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Found from outside: UPLOAD_FOLDER=/proc/... started and was "ready", then every report with a
    photo failed with a 500."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    app.config["UPLOAD_FOLDER"] = str(blocked / "uploads")
    init_photo_store(app)
    with caplog.at_level(logging.WARNING, logger="app.readiness"):
        answer = client.get("/api/v1/health/ready")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["photos"] == {"ok": False, "detail": "not writable"}
    assert "photos cannot be saved: UPLOAD_FOLDER" in caplog.text

    environment = {
        **os.environ,
        "COMMONFIX_ENV": "development",
        "UPLOAD_FOLDER": str(blocked / "uploads"),
        "SECRET_KEY": "readiness-test-key",  # no key file made in the instance folder
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
    }
    started = subprocess.run(
        [sys.executable, "-c", "from app.startup import serving_or_exit; serving_or_exit()"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=120,
    )
    assert started.returncode == 4
    assert started.stderr.startswith("Commonfix cannot start: UPLOAD_FOLDER")
    assert "is not writable" in started.stderr
