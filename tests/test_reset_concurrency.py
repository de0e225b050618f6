"""One reset link used by several requests at once, against a real multi-process server (gunicorn, 2
workers) on both engines: exactly one sets its password, the others are told the link was used."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEntry, User
from app.services.accounts import password_reset, passwords
from tests import factories
from tests.conftest import Database
from tests.gunicorn_server import gunicorn

SECRET = "reset-concurrency-test-not-secret"
ATTEMPTS = 6
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp(f"reset-{database.backend}")
    env = {
        **os.environ,
        "COMMONFIX_ENV": "production",
        "DATABASE_URL": database.url,
        "RATELIMIT_ENABLED": "false",
        "SECRET_KEY": SECRET,
        "UPLOAD_FOLDER": str(workdir / "uploads"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite3'}",
    }
    with gunicorn(env, workdir / "gunicorn.log", workers=2) as url:
        yield url


def test_a_reset_link_used_at_once_by_several_requests_works_once(server_url: str, app: Flask) -> None:
    with app.app_context():
        user = factories.new_user(db.session())
        db.session.commit()
        user_id, email = user.id, user.email
        token = URLSafeTimedSerializer(SECRET, salt=password_reset.SALT).dumps(
            {"u": user_id, "p": passwords.fingerprint(user), "e": user.email}
        )
    start = threading.Barrier(ATTEMPTS)

    def attempt(n: int) -> int:
        start.wait(timeout=30)
        response = requests.post(
            server_url + "/api/v1/account/password-reset/completion",
            json={"token": token, "password": f"new-password-number-{n}"},
            timeout=30,
        )
        return response.status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        statuses = sorted(pool.map(attempt, range(ATTEMPTS)))
    assert statuses == [204] + [410] * (ATTEMPTS - 1)

    working = [
        n
        for n in range(ATTEMPTS)
        if requests.post(
            server_url + "/api/v1/tokens",
            json={"email": email, "password": f"new-password-number-{n}"},
            timeout=30,
        ).status_code
        == 201
    ]
    assert len(working) == 1
    with app.app_context():
        resets = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.actor_id == user_id, AuditEntry.action == "account.password_reset")
        )
        assert db.session.get(User, user_id) is not None
    assert resets == 1
