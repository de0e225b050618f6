"""Mail survives a worker that is not running or dies mid-send, and a Redis outage: real worker processes.

The database holds the mail; a worker (`flask --app wsgi worker`, its own process) sends it. Each test
counts the .eml files carrying the mail's Message-ID: the mail arrives once, and running the job and
the sweep again sends nothing more. Both engines (SpatiaLite file, PostGIS), both queue modes.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.mail_delivery import parse_message
from app.jobs.queue import enqueue, queue_of
from app.models import Follow, MailFanout, OutgoingMail, User
from app.models.timestamps import utcnow
from tests.mail.conftest import (
    FollowedIssue,
    change_status_on_the_web,
    copies_of,
    login,
    message_id_of,
    only_mail_id,
    row_of,
)
from tests.redis_server import RedisServer
from tests.worker_process import WorkerProcess, running_worker, start_worker


def worker_env(app: Flask, queue_url: str, **settings: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        COMMONFIX_ENV="testing",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        QUEUE_URL=queue_url,
        MAIL_BACKEND="outbox",
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
        MAIL_SWEEP_AFTER_SECONDS="0",
        SPATIALITE_LIBRARY_PATH=env.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"),
    )
    env.update(settings)
    return env


def wait_for(what: str, condition: Callable[[], bool], worker: WorkerProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s; worker log:\n{worker.log_tail()}")


def run_again_and_stop(app: Flask, worker: WorkerProcess, mail_id: int) -> None:
    """A duplicated delivery job and a sweep, run by the worker; then the worker stops once it is idle."""
    enqueue(app, "mail.deliver", [mail_id])
    enqueue(app, "mail.sweep")
    wait_for("the queue emptying", lambda: queue_of(app).pending_count() == 0, worker)
    worker.stop()  # a graceful stop lets the jobs it took finish


@pytest.fixture
def silent_smtp_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word: an SMTP send there hangs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # the kernel completes the handshakes; nobody ever accepts or answers
        yield int(listener.getsockname()[1])


def test_mail_committed_while_no_worker_runs_is_sent_once_when_one_starts(
    queued_app: Flask, queue_url: str, followed_issue: FollowedIssue, tmp_path: Path
) -> None:
    outbox = Path(queued_app.config["MAIL_OUTBOX_DIR"])
    client = queued_app.test_client()
    login(client, followed_issue.official)
    change_status_on_the_web(client, followed_issue.issue_id, "acknowledged")
    mail_id = only_mail_id(queued_app)
    assert row_of(queued_app, mail_id)["status"] == "queued"
    assert not list(outbox.glob("*.eml"))

    with running_worker(worker_env(queued_app, queue_url), tmp_path / "worker.log") as worker:
        wait_for("the mail being sent", lambda: row_of(queued_app, mail_id)["status"] == "sent", worker)
        run_again_and_stop(queued_app, worker, mail_id)

    assert copies_of(outbox, message_id_of(queued_app, mail_id)) == 1
    assert row_of(queued_app, mail_id)["attempts"] == 1


def test_a_worker_killed_mid_send_leaves_the_mail_to_the_next_worker_which_sends_it_once(
    queued_app: Flask,
    queue_url: str,
    followed_issue: FollowedIssue,
    silent_smtp_server: int,
    tmp_path: Path,
) -> None:
    outbox = Path(queued_app.config["MAIL_OUTBOX_DIR"])
    lease = "4"
    hanging = worker_env(
        queued_app,
        queue_url,
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(silent_smtp_server),
        MAIL_SEND_LEASE_SECONDS=lease,
    )
    first = start_worker(hanging, tmp_path / "first-worker.log")
    try:
        client = queued_app.test_client()
        login(client, followed_issue.official)
        change_status_on_the_web(client, followed_issue.issue_id, "planned")
        mail_id = only_mail_id(queued_app)
        # The worker claimed the mail and waits for the SMTP server's greeting: kill it there.
        wait_for(
            "the worker claiming the mail", lambda: row_of(queued_app, mail_id)["status"] == "sending", first
        )
    finally:
        first.kill()
    row = row_of(queued_app, mail_id)
    assert (row["status"], row["attempts"]) == ("sending", 1)
    assert not list(outbox.glob("*.eml"))

    env = worker_env(queued_app, queue_url, MAIL_SEND_LEASE_SECONDS=lease)
    with running_worker(env, tmp_path / "second-worker.log") as second:
        # The dead worker's lease runs out; the sweep (the scheduler's, or this one now) hands the mail on.
        wait_for(
            "the lease running out", lambda: row_of(queued_app, mail_id)["claimed_until"] < utcnow(), second
        )
        enqueue(queued_app, "mail.sweep")
        wait_for("the mail being sent", lambda: row_of(queued_app, mail_id)["status"] == "sent", second)
        run_again_and_stop(queued_app, second, mail_id)

    assert copies_of(outbox, message_id_of(queued_app, mail_id)) == 1
    assert row_of(queued_app, mail_id)["attempts"] == 2


def test_a_status_change_while_redis_is_down_is_mailed_by_the_worker_once_redis_is_back(
    app_on_redis: Flask, redis_server: RedisServer, followed_issue: FollowedIssue, tmp_path: Path
) -> None:
    queued = app_on_redis
    queue_url = queued.config["QUEUE_URL"]
    outbox = Path(queued.config["MAIL_OUTBOX_DIR"])
    client = queued.test_client()
    login(client, followed_issue.official)
    with running_worker(worker_env(queued, queue_url), tmp_path / "worker.log") as worker:
        redis_server.stop()
        try:
            response = client.post(
                f"/staff/issues/{followed_issue.issue_id}/status", data={"status": "planned", "note": "Soon."}
            )
            assert response.status_code == 302  # committed; the web does not fail with the queue
            mail_id = only_mail_id(queued)
            assert row_of(queued, mail_id)["status"] == "queued"
        finally:
            redis_server.start()
        enqueue(queued, "mail.sweep")  # what the worker's scheduler does every minute
        wait_for("the mail being sent", lambda: row_of(queued, mail_id)["status"] == "sent", worker)
        run_again_and_stop(queued, worker, mail_id)
    assert copies_of(outbox, message_id_of(queued, mail_id)) == 1


def test_a_much_followed_problem_is_mailed_to_each_follower_once_by_a_real_worker(
    queued_app: Flask,
    queue_url: str,
    followed_issue: FollowedIssue,
    make_user: Callable[..., User],
    tmp_path: Path,
) -> None:
    """Past MAIL_FANOUT_INLINE followers the request writes one fan-out, and the worker process turns
    it into one mail per follower; a repeated fan-out job and a sweep add nothing."""
    many = int(queued_app.config["MAIL_FANOUT_INLINE"]) + 10
    readers = [make_user() for _ in range(many)]
    with queued_app.app_context():
        db.session.add_all(Follow(user_id=u.id, issue_id=followed_issue.issue_id) for u in readers)
        db.session.commit()
    client = queued_app.test_client()
    login(client, followed_issue.official)
    change_status_on_the_web(client, followed_issue.issue_id, "acknowledged")
    with queued_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0
        fanout_id = db.session.scalars(select(MailFanout.id)).one()
        db.session.rollback()

    def sent() -> int:
        with queued_app.app_context():
            found = db.session.scalar(
                select(func.count()).select_from(OutgoingMail).where(OutgoingMail.status == "sent")
            )
            db.session.rollback()
            return int(found or 0)

    with running_worker(worker_env(queued_app, queue_url), tmp_path / "worker.log") as worker:
        wait_for("every follower's mail being sent", lambda: sent() == many + 1, worker)
        enqueue(queued_app, "mail.fanout", fanout_id)
        enqueue(queued_app, "mail.sweep")
        wait_for("the queue emptying", lambda: queue_of(queued_app).pending_count() == 0, worker)
        worker.stop()

    files = list(Path(queued_app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    recipients = sorted(str(parse_message(f.read_bytes())["To"]) for f in files)
    assert recipients == sorted([followed_issue.follower.email, *(u.email for u in readers)])
