"""The delivery job speaking real SMTP (a loopback server in the test), on both engines."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator

import pytest
from flask import Flask

from app import mail
from app.extensions import db
from app.jobs.queue import enqueue
from tests.mail.conftest import message, row_of
from tests.mail.smtp_sink import SmtpSink, running_sink
from tests.ports import free_port


def use_smtp(app: Flask, sink: SmtpSink) -> None:
    """Send through the sink (the app fixture restores its config after the test)."""
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)


@pytest.fixture
def sink(app: Flask) -> Iterator[SmtpSink]:
    with running_sink() as server:
        use_smtp(app, server)
        yield server


@pytest.fixture
def hanging_up_sink(app: Flask) -> Iterator[SmtpSink]:
    with running_sink(hang_up_at_quit=True) as server:
        use_smtp(app, server)
        yield server


def queue_one(app: Flask, key: str = "issue-event:1:to:2") -> int:
    with app.app_context():
        mail.queue_mail(db.session, key, message(to="rita@example.org", subject="Now planned"))
        (mail_id,) = mail.pending_mail(db.session)
        db.session.commit()  # memory:// runs the delivery job now, in this process
    return mail_id


def test_a_mail_is_sent_over_smtp_after_commit(app: Flask, sink: SmtpSink) -> None:
    mail_id = queue_one(app)
    (raw,) = sink.messages
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received["To"] == "rita@example.org"
    assert received["Subject"] == "Now planned"
    assert row_of(app, mail_id)["status"] == "sent"


def test_a_server_that_hangs_up_after_accepting_gets_the_mail_once(
    app: Flask, hanging_up_sink: SmtpSink
) -> None:
    app.config["MAIL_SWEEP_AFTER_SECONDS"] = 0
    mail_id = queue_one(app)
    row = row_of(app, mail_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, None)
    enqueue(app, "mail.sweep")
    enqueue(app, "mail.deliver", [mail_id])
    assert len(hanging_up_sink.messages) == 1


def test_an_smtp_server_out_of_reach_is_named_with_its_settings(app: Flask) -> None:
    """Nothing listens at MAIL_SERVER:MAIL_PORT (a production node without MAIL_SERVER sends to localhost:25):
    the outbox row and the log say where the worker tried and which settings say so."""
    port = free_port()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    mail_id = queue_one(app)
    row = row_of(app, mail_id)
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert f"cannot reach the SMTP server 127.0.0.1:{port} (MAIL_SERVER, MAIL_PORT)" in row["last_error"]
