"""Concurrent likes against a real multi-process server (gunicorn, 2 workers): none lost, none doubled.

The server runs on 127.0.0.1 against the same database the test prepares; every loop is bounded and
the server is stopped at the end of the module, whatever happens.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Flag, Issue, Like
from app.services.accounts import users as accounts
from tests import factories
from tests.conftest import Database
from tests.flask_cli import STRONG_KEY
from tests.gunicorn_server import gunicorn

THREADS = 8
RESIDENTS_PER_THREAD = 25
REQUEST_TIMEOUT_S = 30

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """gunicorn with two worker processes serving wsgi:app on a free loopback port."""
    workdir = tmp_path_factory.mktemp(f"gunicorn-{database.backend}")
    env = {
        **os.environ,
        "COMMONFIX_ENV": "production",
        "DATABASE_URL": database.url,
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": STRONG_KEY,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
    }
    with gunicorn(env, workdir / "gunicorn.log", workers=2) as url:
        yield url


def residents_with_tokens(app: Flask, count: int) -> list[str]:
    """Bearer tokens of `count` new residents, created directly in the database."""
    with app.app_context():
        session = db.session()
        tokens = [
            accounts.issue_token(session, factories.new_user(session), app.config["API_TOKEN_TTL"]).token
            for _ in range(count)
        ]
        db.session.commit()
    return tokens


def new_issue_id(app: Flask) -> int:
    with app.app_context():
        issue = factories.new_issue(db.session())
        db.session.commit()
        return issue.id


def likes_of(app: Flask, issue_id: int) -> tuple[int, int]:
    """(rows in the likes table, the issue's stored count), read fresh."""
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Like).where(Like.issue_id == issue_id))
        stored = db.session.scalar(select(Issue.likes_count).where(Issue.id == issue_id))
        return int(rows or 0), int(stored or 0)


def run_together(jobs: list[Callable[[], int]], workers: int) -> list[int]:
    """Run the jobs on `workers` threads released at the same instant; returns their results in order."""
    start = threading.Barrier(min(workers, len(jobs)))

    def released(job: Callable[[], int]) -> Callable[[], int]:
        def run() -> int:
            start.wait(timeout=REQUEST_TIMEOUT_S)
            return job()

        return run

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(released(job)) if i < workers else pool.submit(job) for i, job in enumerate(jobs)
        ]
        return [f.result(timeout=REQUEST_TIMEOUT_S * 4) for f in futures]


def like_request(url: str, token: str) -> Callable[[], int]:
    def send() -> int:
        response = requests.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S)
        assert response.json()["liked"] is True, response.text
        return response.status_code

    return send


def test_200_residents_liking_at_once_make_exactly_200_likes(server_url: str, app: Flask) -> None:
    tokens = residents_with_tokens(app, THREADS * RESIDENTS_PER_THREAD)
    issue_id = new_issue_id(app)
    url = f"{server_url}/api/v1/issues/{issue_id}/like"
    batches = [tokens[i::THREADS] for i in range(THREADS)]

    def thread_of(batch: list[str]) -> Callable[[], int]:
        def run() -> int:
            with requests.Session() as http:
                for token in batch:
                    response = http.post(
                        url, headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S
                    )
                    assert response.status_code == 200, response.text
            return len(batch)

        return run

    sent = run_together([thread_of(batch) for batch in batches], workers=THREADS)

    assert sum(sent) == 200
    shown = requests.get(f"{server_url}/api/v1/issues/{issue_id}", timeout=REQUEST_TIMEOUT_S).json()
    assert shown["properties"]["likes"] == 200
    assert likes_of(app, issue_id) == (200, 200)


def test_the_same_resident_liking_twice_at_once_counts_once(server_url: str, app: Flask) -> None:
    residents = 12
    tokens = residents_with_tokens(app, residents)
    issue_id = new_issue_id(app)
    url = f"{server_url}/api/v1/issues/{issue_id}/like"

    for token in tokens:  # each pair is released at the same instant, on two connections
        assert run_together([like_request(url, token), like_request(url, token)], workers=2) == [200, 200]

    shown = requests.get(f"{server_url}/api/v1/issues/{issue_id}", timeout=REQUEST_TIMEOUT_S).json()
    assert shown["properties"]["likes"] == residents
    assert likes_of(app, issue_id) == (residents, residents)


def test_the_same_resident_flagging_twice_at_once_counts_once(server_url: str, app: Flask) -> None:
    residents = 6
    tokens = residents_with_tokens(app, residents)
    issue_id = new_issue_id(app)
    url = f"{server_url}/api/v1/issues/{issue_id}/flags"

    def flag_request(token: str) -> Callable[[], int]:
        def send() -> int:
            response = requests.post(
                url,
                json={"reason": "spam"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=REQUEST_TIMEOUT_S,
            )
            return response.status_code

        return send

    for token in tokens:  # each pair is released at the same instant: one creates, the other finds it
        assert sorted(run_together([flag_request(token), flag_request(token)], workers=2)) == [200, 201]

    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Flag).where(Flag.issue_id == issue_id))
            == residents
        )
