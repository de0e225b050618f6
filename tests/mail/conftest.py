"""Helpers for the mail tests: outbox rows, the .eml files the outbox backend wrote, a message to queue."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app, mail
from app.extensions import db
from app.jobs.queue import queue_of
from app.models import Issue, OutgoingMail, User
from config import TestingConfig
from tests.factories import DEFAULT_PASSWORD
from tests.redis_server import RedisServer


def message(to: str = "rita@example.org", subject: str = "Hello") -> EmailMessage:
    return mail.build_message(to=to, subject=subject, text="Body.", sender="Commonfix <noreply@localhost>")


def eml_files(folder: Path) -> list[EmailMessage]:
    """The messages the outbox backend wrote into `folder`, oldest first."""
    files = sorted(folder.glob("*.eml"), key=lambda p: (p.stat().st_mtime_ns, p.name))
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in files
    ]


def copies_of(folder: Path, message_id: str) -> int:
    """How many .eml files carry this Message-ID: the same mail written more than once shows here."""
    return sum(1 for m in eml_files(folder) if m["Message-ID"] == message_id)


def row_of(app: Flask, mail_id: int) -> dict[str, Any]:
    with app.app_context():
        row = db.session.execute(select(OutgoingMail).where(OutgoingMail.id == mail_id)).scalar_one()
        values = {c.name: getattr(row, c.name) for c in OutgoingMail.__table__.columns}
        db.session.rollback()
        return values


@pytest.fixture
def sent_files(app: Flask) -> Callable[[], list[EmailMessage]]:
    return lambda: eml_files(Path(app.config["MAIL_OUTBOX_DIR"]))


# --- the app on real queue storage (an embedded SQLite queue file, or the Redis server) ---------------


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-queue":
        return f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    url = server.url(5)
    with redis.Redis.from_url(url) as client:
        client.flushdb()
    return url


def create_app_on_queue(app: Flask, queue_url: str) -> Flask:
    """`app`'s database and outbox folder, but its jobs wait on real queue storage for a worker."""
    keep = ("SQLALCHEMY_DATABASE_URI", "MAIL_OUTBOX_DIR", "UPLOAD_FOLDER")
    return create_app(
        TestingConfig,
        {key: app.config[key] for key in keep}
        | {"QUEUE_URL": queue_url, "WTF_CSRF_ENABLED": False, "MAIL_SWEEP_AFTER_SECONDS": 0},
    )


@pytest.fixture
def queued_app(app: Flask, queue_url: str) -> Iterator[Flask]:
    web = create_app_on_queue(app, queue_url)
    yield web
    with web.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_on_redis(app: Flask, redis_server: RedisServer) -> Iterator[Flask]:
    """`app` with its jobs on database 6 of the test Redis server, emptied first."""
    queued = create_app_on_queue(app, redis_server.url(6))
    queue_of(queued).flush()
    yield queued
    with queued.app_context():
        db.session.remove()
        db.engine.dispose()


def drain(app: Flask) -> int:
    """Run every job waiting on the app's queue in this process, as a worker would; how many ran."""
    huey = queue_of(app)
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def login(client: FlaskClient, user: User) -> None:
    response = client.post("/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


@dataclass(frozen=True)
class FollowedIssue:
    issue_id: int
    follower: User
    official: User


@pytest.fixture
def followed_issue(
    make_user: Callable[..., User], make_issue: Callable[..., Issue], app: Flask
) -> FollowedIssue:
    """An issue a resident reported (so follows), and an official to change its status."""
    resident = make_user(email="rita@example.org")
    official = make_user(role="official", email="olivia@city.example")
    issue = make_issue(title="Broken bench", reporter=resident)
    return FollowedIssue(issue.id, resident, official)


def change_status_on_the_web(client: FlaskClient, issue_id: int, status: str) -> None:
    """The official's form on the issue's staff page; the view commits and redirects."""
    response = client.post(f"/staff/issues/{issue_id}/status", data={"status": status, "note": "On it."})
    assert response.status_code == 302, response.get_data(as_text=True)


def only_mail_id(app: Flask) -> int:
    with app.app_context():
        mail_id: int = db.session.scalars(select(OutgoingMail.id)).one()
        db.session.rollback()
        return mail_id


def message_id_of(app: Flask, mail_id: int) -> str:
    data = row_of(app, mail_id)["message"]
    return str(email.message_from_bytes(data, policy=email.policy.default)["Message-ID"])
