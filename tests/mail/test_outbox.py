"""The mail outbox on both engines: one row per event key, an exclusive claim, backoff, giving up, sweeps."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app import mail
from app.extensions import db
from app.jobs.mail_delivery import deliver_one
from app.jobs.queue import enqueue
from app.mail_outbox import DeliveryRules, claim, due_mail, insert_mail, mark_sent, record_failure
from app.models import OutgoingMail
from app.models.timestamps import utcnow
from tests.mail.conftest import message, row_of
from tests.ports import free_port

SentFiles = Callable[[], list[EmailMessage]]
RULES = DeliveryRules(max_attempts=3, retry_seconds=60, lease_seconds=300, sweep_after_seconds=60)


def queued_without_job(app: Flask, key: str = "test:1:to:1") -> int:
    """A committed outbox row whose delivery job was never enqueued (a lost job, as after a crash)."""
    with app.app_context():
        mail_id = insert_mail(db.session, key, message(), utcnow())
        db.session.commit()
    assert mail_id is not None
    return mail_id


def rows(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(OutgoingMail)) or 0)


def test_a_key_queued_twice_is_one_row_and_one_mail(app: Flask, sent_files: SentFiles) -> None:
    with app.app_context():
        assert mail.queue_mail(db.session, "issue-event:5:to:9", message(subject="First")) is True
        assert mail.queue_mail(db.session, "issue-event:5:to:9", message(subject="Again")) is False
        db.session.commit()
        # A retried request or job queues the same event again, in a later transaction: still skipped.
        assert mail.queue_mail(db.session, "issue-event:5:to:9", message(subject="Retry")) is False
        db.session.commit()
    assert rows(app) == 1
    assert [m["Subject"] for m in sent_files()] == ["First"]


def test_the_mail_is_sent_after_commit_and_the_row_says_so(app: Flask, sent_files: SentFiles) -> None:
    with app.app_context():
        mail.queue_mail(db.session, "k:1", message(to="olivia@city.example"))
        assert sent_files() == []  # nothing leaves before the commit
        (mail_id,) = mail.pending_mail(db.session)
        db.session.commit()
    row = row_of(app, mail_id)
    assert row["status"] == "sent"
    assert row["attempts"] == 1
    assert row["recipient"] == "olivia@city.example"
    assert row["sent_at"] is not None
    assert row["claimed_until"] is None
    (sent,) = sent_files()
    assert sent["To"] == "olivia@city.example"


def test_a_rolled_back_change_leaves_no_mail(app: Flask, sent_files: SentFiles) -> None:
    with app.app_context():
        mail.queue_mail(db.session, "k:1", message())
        db.session.rollback()
        db.session.commit()
    assert rows(app) == 0
    assert sent_files() == []


def test_only_one_claim_wins_and_an_expired_lease_is_taken_over(app: Flask) -> None:
    mail_id = queued_without_job(app)
    now = utcnow()
    with app.app_context():
        assert claim(db.session, mail_id, now, RULES) == 1
        db.session.commit()
        assert claim(db.session, mail_id, now + timedelta(seconds=10), RULES) is None
        assert claim(db.session, mail_id, now + timedelta(seconds=299), RULES) is None
        # The first worker died mid-send: once its lease is over, the next one takes the row.
        assert claim(db.session, mail_id, now + timedelta(seconds=301), RULES) == 2
        db.session.commit()
        mark_sent(db.session, mail_id, now + timedelta(seconds=302))
        db.session.commit()
        assert claim(db.session, mail_id, now + timedelta(days=1), RULES) is None
        db.session.commit()
    assert row_of(app, mail_id)["status"] == "sent"


def test_the_backoff_doubles_up_to_six_hours() -> None:
    waits = [RULES.backoff(n).total_seconds() for n in (1, 2, 3, 4, 9, 10, 40)]
    assert waits == [60, 120, 240, 480, 15360, 6 * 3600, 6 * 3600]


def test_a_failed_send_is_retried_with_backoff_then_given_up(app: Flask, sent_files: SentFiles) -> None:
    mail_id = queued_without_job(app)
    # A real refused connection: nothing listens on this port.
    unreachable = mail.SmtpBackend({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port()})
    waits = []
    with app.app_context():
        for attempt in (1, 2, 3):
            before = utcnow()
            assert deliver_one(unreachable, mail_id, RULES) is False
            row = db.session.get(OutgoingMail, mail_id)
            assert row is not None
            assert row.attempts == attempt
            assert "ConnectionRefusedError" in (row.last_error or "")
            waits.append(row.next_attempt_at - before)
            status = row.status
            # Not retried before its time, even if a job asks.
            assert deliver_one(unreachable, mail_id, RULES) is False
            assert db.session.get(OutgoingMail, mail_id).attempts == attempt  # type: ignore[union-attr]
            # Time passes: the retry is due.
            db.session.execute(
                update(OutgoingMail).where(OutgoingMail.id == mail_id).values(next_attempt_at=utcnow())
            )
            db.session.commit()
    assert status == "failed"
    assert [round(w.total_seconds()) for w in waits[:2]] == [60, 120]
    assert sent_files() == []
    with app.app_context():  # a failed mail is not swept up again
        assert due_mail(db.session, utcnow() + timedelta(days=1), RULES) == []


def test_a_worker_dying_mid_send_again_and_again_ends_as_failed(app: Flask, sent_files: SentFiles) -> None:
    mail_id = queued_without_job(app)
    now = utcnow() - timedelta(hours=1)
    with app.app_context():
        db.session.execute(update(OutgoingMail).values(next_attempt_at=now))  # queued an hour ago
        for minute in range(RULES.max_attempts):  # each claim's worker died before it sent
            assert claim(db.session, mail_id, now + timedelta(minutes=6 * minute), RULES) is not None
            db.session.commit()
        backend = mail.backend_for(app)
        assert deliver_one(backend, mail_id, RULES) is False
    row = row_of(app, mail_id)
    assert row["status"] == "failed"
    assert "worker stopped while sending" in row["last_error"]
    assert sent_files() == []


def test_the_sweep_finds_lost_jobs_due_retries_and_expired_leases(app: Flask) -> None:
    lost = queued_without_job(app, "lost")
    retry = queued_without_job(app, "retry")
    sending = queued_without_job(app, "sending")
    done = queued_without_job(app, "done")
    now = utcnow()
    with app.app_context():
        session = db.session
        assert claim(session, retry, now, RULES) == 1
        record_failure(session, retry, 1, "OSError: down", now, RULES)  # due at now + 60 s
        assert claim(session, sending, now, RULES) == 1  # lease until now + 300 s
        assert claim(session, done, now, RULES) == 1
        mark_sent(session, done, now)
        session.commit()
        assert due_mail(session, now + timedelta(seconds=30), RULES) == []
        assert due_mail(session, now + timedelta(seconds=61), RULES) == [lost, retry]
        assert due_mail(session, now + timedelta(seconds=301), RULES) == [lost, retry, sending]


@pytest.mark.config(MAIL_SWEEP_AFTER_SECONDS=0)
def test_the_sweep_job_sends_mail_whose_job_was_lost_once(app: Flask, sent_files: SentFiles) -> None:
    mail_id = queued_without_job(app)
    assert sent_files() == []
    enqueue(app, "mail.sweep")  # memory:// runs it (and the deliveries it enqueues) at once
    assert row_of(app, mail_id)["status"] == "sent"
    enqueue(app, "mail.sweep")
    enqueue(app, "mail.deliver", [mail_id])
    (sent,) = sent_files()
    assert sent["Subject"] == "Hello"


def test_admins_see_how_much_mail_waits_and_failed_on_the_staff_desk(
    app: Flask, make_user: Callable[..., Any], auth: Any
) -> None:
    waiting = queued_without_job(app, "waiting")
    failed = queued_without_job(app, "failed")
    with app.app_context():
        assert claim(db.session, failed, utcnow(), RULES) == 1
        record_failure(db.session, failed, RULES.max_attempts, "SMTPRecipientsRefused: 550", utcnow(), RULES)
        db.session.commit()
    assert row_of(app, waiting)["status"] == "queued"

    auth.login_as(make_user(role="admin"))
    page = auth.client.get("/staff/").get_data(as_text=True)
    assert "Outgoing mail: 1 waiting" in page
    assert "<strong>1 failed</strong>" in page
    auth.login_as(make_user(role="official"))
    assert "Outgoing mail" not in auth.client.get("/staff/").get_data(as_text=True)


def test_of_workers_claiming_one_mail_at_once_exactly_one_gets_it(app: Flask) -> None:
    mail_id = queued_without_job(app)
    now = utcnow()
    start = threading.Barrier(6)

    def claim_in_own_session() -> int | None:
        with app.app_context():
            start.wait()
            try:
                attempt = claim(db.session, mail_id, now, RULES)
                db.session.commit()
                return attempt
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _n: claim_in_own_session(), range(6)))
    assert sorted(results, key=lambda r: r is None) == [1, None, None, None, None, None]
    assert row_of(app, mail_id)["attempts"] == 1
