"""PostgreSQL stopped while the app serves: residents get a clear 503 (page or JSON, with Retry-After), the
log gets one line per request, not a stack trace, and the app serves again once the server is back,
without a restart. A cluster of its own, so stopping it disturbs no other test.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from app import create_app
from app.database.outages import database_unreachable, outage_summary
from app.extensions import db
from app.services.accounts.logins import start_login
from config import TestingConfig
from tests import factories
from tests.api_contract import ContractClient
from tests.conftest import create_schema
from tests.postgis_cluster import PostgisCluster, running_cluster

pytestmark = pytest.mark.postgis


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgisCluster]:
    with running_cluster() as started:
        yield started


@contextlib.contextmanager
def serving(cluster: PostgisCluster, settings: dict[str, Any]) -> Iterator[tuple[Flask, FlaskClient, str]]:
    """The app on a migrated database of the cluster, a logged-in resident's client and their token."""
    if not cluster.running:
        cluster.start(port=cluster.port)
    url = cluster.create_database(f"outage_{uuid.uuid4().hex[:12]}")
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, **settings})
    app.test_client_class = ContractClient  # every /api/v1 answer, the 503 too, checked against the document
    create_schema(app)
    with app.app_context():
        factories.load_city(db.session())
        user = factories.new_user(db.session(), email="resident@example.org")
        key = start_login(db.session, user, "test client", app.config["LOGIN_LIFETIME"])
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    token = client.post(
        "/api/v1/tokens", json={"email": "resident@example.org", "password": factories.DEFAULT_PASSWORD}
    ).get_json()["token"]
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:{key}"
        session["_fresh"] = True
    try:
        yield app, client, token
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not cluster.running:
            cluster.start(port=cluster.port)


@pytest.fixture
def served(cluster: PostgisCluster) -> Iterator[tuple[Flask, FlaskClient, str]]:
    with serving(cluster, {}) as started:
        yield started


def test_a_stopped_database_answers_503_and_the_app_recovers_by_itself(
    cluster: PostgisCluster, served: tuple[Flask, FlaskClient, str], caplog: pytest.LogCaptureFixture
) -> None:
    _app, client, token = served
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/issues").status_code == 200
    assert client.get("/").status_code == 200

    cluster.stop()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        api = client.get("/api/v1/issues", headers=bearer)
        page = client.get("/", headers={"Accept": "text/html"})  # a logged-in resident's map page
        like = client.post("/api/v1/issues/1/like", headers=bearer)

    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    error = api.get_json()["error"]
    assert error["code"] == "database_unavailable"
    assert "cannot reach its database" in error["message"]
    assert like.status_code == 503
    assert like.get_json()["error"]["code"] == "database_unavailable"

    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    text = page.get_data(as_text=True)
    assert "Commonfix is briefly unavailable" in text
    assert "try again in a minute" in text
    assert "Something went wrong" not in text

    outages = [r for r in caplog.records if "Database unreachable" in r.getMessage()]
    assert len(outages) == 3, [r.getMessage() for r in caplog.records]
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in outages)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    cluster.start(port=cluster.port)
    assert client.get("/api/v1/issues", headers=bearer).status_code == 200
    back = client.get("/", headers={"Accept": "text/html"})
    assert back.status_code == 200
    assert "Resident" in back.get_data(as_text=True)  # still logged in, served from the database again


def test_only_an_unreachable_server_counts_as_an_outage(
    cluster: PostgisCluster, served: tuple[Flask, FlaskClient, str]
) -> None:
    """A failing statement (a missing table, a unique violation) stays a logged 500, not a 503."""
    app, _client, _token = served
    with app.app_context():
        with pytest.raises(DBAPIError) as missing_table:
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.rollback()
        assert not database_unreachable(missing_table.value)

        cluster.stop()
        db.engine.dispose()
        with pytest.raises(DBAPIError) as refused:
            db.session.execute(text("SELECT 1"))
        db.session.close()
    assert database_unreachable(refused.value)
    assert "Connection refused" in outage_summary(refused.value) or "connection failed" in outage_summary(
        refused.value
    )


def server_processes(cluster: PostgisCluster) -> list[int]:
    """The postmaster and every backend it forked: the whole server, as a frozen machine would stop it."""
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False)
    return [postmaster, *(int(pid) for pid in children.stdout.split())]


def asked_while_frozen(cluster: PostgisCluster, client: FlaskClient, path: str) -> tuple[TestResponse, float]:
    """GET `path` while the whole server is stopped; its answer and how many seconds it took."""
    return asked_while_stopped(server_processes(cluster), client, path)


def asked_while_stopped(frozen: list[int], client: FlaskClient, path: str) -> tuple[TestResponse, float]:
    """GET `path` while the processes `frozen` are stopped (SIGSTOP); its answer and how many seconds it
    took. They go on (SIGCONT) after 30 s at most, so a request that would wait for good fails the test."""
    answers: list[TestResponse] = []
    asking = threading.Thread(target=lambda: answers.append(client.get(path)))
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        asking.start()
        asking.join(timeout=30)
        waited = time.monotonic() - started
        still_waiting = asking.is_alive()
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        asking.join()
    assert not still_waiting, f"GET {path} still waited on the frozen server after 30 s"
    return answers[0], waited


def test_a_database_that_does_not_answer_fails_the_request_within_the_connect_timeout(
    cluster: PostgisCluster, served: tuple[Flask, FlaskClient, str]
) -> None:
    """A frozen server (or a host out of reach) accepts the TCP connection and never answers: the request
    gives up after DATABASE_CONNECT_TIMEOUT with the 503, instead of holding its thread for good."""
    app, client, _token = served
    with app.app_context():
        db.engine.dispose()  # no pooled connection left: the next request has to connect
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    answer, waited = asked_while_stopped([postmaster], client, "/api/v1/issues")
    assert app.config["DATABASE_CONNECT_TIMEOUT"] <= waited < app.config["DATABASE_CONNECT_TIMEOUT"] + 5
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "database_unavailable"


def test_the_readiness_check_names_an_unreachable_database_and_nothing_secret(
    cluster: PostgisCluster, served: tuple[Flask, FlaskClient, str]
) -> None:
    _app, client, _token = served
    assert client.get("/api/v1/health/ready").status_code == 200
    cluster.stop()
    answer = client.get("/api/v1/health/ready")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"] == {"ok": False, "detail": "unreachable"}
    assert body["checks"]["migrations"]["ok"] is False
    assert body["checks"]["queue"] == {"ok": True, "detail": "answers"}
    shown = answer.get_data(as_text=True)
    assert str(cluster.port) not in shown
    assert "127.0.0.1" not in shown
    assert "postgres" not in shown
    assert client.get("/api/v1/health").get_json() == {"status": "ok"}  # alive, only not ready


def test_a_frozen_server_fails_a_request_on_a_pooled_connection_within_seconds(
    cluster: PostgisCluster,
) -> None:
    """The server stops answering while a connection waits in the pool (its kernel still acknowledges every
    packet, so neither TCP keepalives nor the server's statement timeout can help): the request gives up
    after the statement timeout and its grace, with the outage 503, and the app serves again afterwards."""
    settings = {"DATABASE_STATEMENT_TIMEOUT": 2, "DATABASE_CONNECT_TIMEOUT": 2}
    with serving(cluster, settings) as (app, client, _token):
        assert client.get("/api/v1/issues").status_code == 200
        with app.app_context():
            assert db.engine.pool.checkedin() >= 1  # type: ignore[attr-defined]  # a QueuePool: it counts
            assert db.session.execute(text("SHOW statement_timeout")).scalar_one() == "2s"
            db.session.remove()
        answer, waited = asked_while_frozen(cluster, client, "/api/v1/issues")
        # The pooled connection's ping waits 2 + 5 s, then a new connection its 2 s connect timeout.
        assert waited < 2 + 5 + 2 + 3
        assert answer.status_code == 503
        assert answer.get_json()["error"]["code"] == "database_unavailable"
        assert client.get("/api/v1/issues").status_code == 200


def test_the_readiness_check_fails_within_seconds_on_a_frozen_server(
    cluster: PostgisCluster, served: tuple[Flask, FlaskClient, str]
) -> None:
    """Found from outside: against a frozen server the check took about 25 s, a pooled connection's
    check before use waiting out the requests' deadline (their 15 s statement timeout and its grace),
    longer than a load balancer waits. The probe's connections are its own, with 2 s timeouts."""
    app, client, _token = served
    assert app.config["DATABASE_STATEMENT_TIMEOUT"] == 15
    assert client.get("/api/v1/health/ready").status_code == 200
    answer, waited = asked_while_frozen(cluster, client, "/api/v1/health/ready")
    assert waited < 2 + 1 + 3  # the probe's connect timeout, or its statement timeout and a second
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["database"] == {"ok": False, "detail": "unreachable"}
    assert client.get("/api/v1/health/ready").status_code == 200
