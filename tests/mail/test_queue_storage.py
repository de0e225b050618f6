"""Mail jobs on real queue storage, run in this process: the embedded SQLite queue file and Redis.

The web app enqueues into the storage a worker reads; `drain` then does what a worker does (dequeue,
execute), so these tests see the same serialised jobs a worker gets, on both engines.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from app.jobs.queue import enqueue, queue_of
from tests.mail.conftest import (
    FollowedIssue,
    change_status_on_the_web,
    copies_of,
    drain,
    eml_files,
    login,
    message_id_of,
    only_mail_id,
    row_of,
)
from tests.redis_server import RedisServer


def test_a_status_change_mail_waits_on_the_queue_and_is_sent_once(
    queued_app: Flask, followed_issue: FollowedIssue
) -> None:
    outbox = Path(queued_app.config["MAIL_OUTBOX_DIR"])
    client = queued_app.test_client()
    login(client, followed_issue.official)
    change_status_on_the_web(client, followed_issue.issue_id, "acknowledged")

    mail_id = only_mail_id(queued_app)
    assert row_of(queued_app, mail_id)["status"] == "queued"  # committed with the change, not sent
    assert eml_files(outbox) == []
    assert queue_of(queued_app).pending_count() == 1

    assert drain(queued_app) == 1
    row = row_of(queued_app, mail_id)
    assert (row["status"], row["attempts"]) == ("sent", 1)
    (sent,) = eml_files(outbox)
    assert sent["To"] == "rita@example.org"
    assert sent["Subject"] == "“Broken bench” is now Acknowledged"

    # The job again (a retried or duplicated task) and the sweep: nothing is sent twice.
    enqueue(queued_app, "mail.deliver", [mail_id])
    enqueue(queued_app, "mail.sweep")
    assert drain(queued_app) == 2
    assert copies_of(outbox, message_id_of(queued_app, mail_id)) == 1


def test_a_lost_job_is_found_by_the_sweep(queued_app: Flask, followed_issue: FollowedIssue) -> None:
    outbox = Path(queued_app.config["MAIL_OUTBOX_DIR"])
    client = queued_app.test_client()
    login(client, followed_issue.official)
    change_status_on_the_web(client, followed_issue.issue_id, "planned")
    mail_id = only_mail_id(queued_app)
    queue_of(queued_app).flush()  # the job is gone (a worker took it and died, or the queue was lost)

    assert drain(queued_app) == 0
    assert row_of(queued_app, mail_id)["status"] == "queued"
    enqueue(queued_app, "mail.sweep")
    assert drain(queued_app) == 2  # the sweep, then the delivery it enqueued
    assert row_of(queued_app, mail_id)["status"] == "sent"
    assert copies_of(outbox, message_id_of(queued_app, mail_id)) == 1


def test_with_redis_stopped_the_change_commits_and_the_sweep_sends_the_mail_later(
    app_on_redis: Flask, redis_server: RedisServer, followed_issue: FollowedIssue
) -> None:
    queued = app_on_redis
    outbox = Path(queued.config["MAIL_OUTBOX_DIR"])
    client = queued.test_client()
    login(client, followed_issue.official)
    redis_server.stop()
    try:
        response = client.post(
            f"/staff/issues/{followed_issue.issue_id}/status", data={"status": "planned", "note": "Soon."}
        )
        assert response.status_code == 302  # the web answers; no 500 because the queue is down
        mail_id = only_mail_id(queued)
        assert row_of(queued, mail_id)["status"] == "queued"
        assert "planned" in client.get(f"/issues/{followed_issue.issue_id}").get_data(as_text=True).lower()
    finally:
        redis_server.start()
    assert drain(queued) == 0  # Redis lost the wake-up (it keeps nothing across a restart here)
    enqueue(queued, "mail.sweep")
    assert drain(queued) == 2
    assert row_of(queued, mail_id)["status"] == "sent"
    assert copies_of(outbox, message_id_of(queued, mail_id)) == 1


def test_with_redis_frozen_a_change_commits_and_logs_one_line(
    app_on_redis: Flask,
    redis_server: RedisServer,
    followed_issue: FollowedIssue,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Found from outside: with Redis frozen (accepting, never answering) each status change waited out
    the queue's 10 s socket timeout (now 3 s: app/jobs/queue.py) and logged a full traceback."""
    client = app_on_redis.test_client()
    login(client, followed_issue.official)
    redis_server.freeze()
    try:
        with caplog.at_level(logging.WARNING, logger="app.mail"):
            response = client.post(
                f"/staff/issues/{followed_issue.issue_id}/status", data={"status": "planned", "note": "Soon."}
            )
    finally:
        redis_server.thaw()
    assert response.status_code == 302
    said = [r for r in caplog.records if r.getMessage().startswith("Could not enqueue mail")]
    assert len(said) == 1
    assert said[0].exc_info is None
    assert "the sweep will send it" in said[0].getMessage()
