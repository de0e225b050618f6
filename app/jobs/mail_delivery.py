"""The mail jobs: "mail.deliver" sends outbox rows, "mail.sweep" (every minute) wakes up what was left
(mail and fan-outs, app/jobs/mail_fanout.py).

The outbox table holds the work (app/mail_outbox.py); a job only says which rows to look at, so a lost,
repeated or late job costs nothing: a row is sent by whoever claims it, once it is claimable.
"""

from __future__ import annotations

import email
import logging
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app

from app.extensions import db
from app.jobs.queue import enqueue, job
from app.mail import MAIL_POLICY, MailBackend, backend_for, enqueue_delivery
from app.mail_outbox import (
    DeliveryRules,
    claim,
    due_mail,
    mark_sent,
    message_bytes,
    record_failure,
    undone_fanouts,
)
from app.models import MailStatus
from app.models.timestamps import utcnow

log = logging.getLogger("app.mail")


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types current_app as its Flask, not as the proxy it is
    return app


def parse_message(data: bytes) -> EmailMessage:
    message: Any = email.message_from_bytes(data, policy=MAIL_POLICY)
    assert isinstance(message, EmailMessage)
    return message


def deliver_one(backend: MailBackend, mail_id: int, rules: DeliveryRules) -> bool:
    """Claim, send and mark one row, committing after each step; True when this call sent it."""
    session = db.session
    attempts = claim(session, mail_id, utcnow(), rules)
    if attempts is None:  # sent, failed, in backoff, or another worker holds it
        session.commit()
        return False
    data = message_bytes(session, mail_id)
    session.commit()
    if attempts > rules.max_attempts:
        # Only reachable when workers died mid-send again and again: stop retrying this one.
        stopped = "gave up: the worker stopped while sending"
        record_failure(session, mail_id, attempts, stopped, utcnow(), rules)
        session.commit()
        log.error("Gave up on mail %d after %d attempts", mail_id, attempts - 1)
        return False
    try:
        backend.send([parse_message(data)])
    except Exception as error:  # any failure of this send is recorded on the row and retried
        reason = f"{type(error).__name__}: {error}"
        status = record_failure(session, mail_id, attempts, reason, utcnow(), rules)
        session.commit()
        if status is MailStatus.FAILED:
            log.error("Gave up on mail %d after %d attempts: %s", mail_id, attempts, error)
        else:
            log.warning("Mail %d not sent (attempt %d), retrying later: %s", mail_id, attempts, error)
        return False
    # The window between the server accepting the message and this commit is the only way a mail can be
    # sent twice (a crash right here); DESIGN.md, "Mail", says how small it is.
    mark_sent(session, mail_id, utcnow())
    session.commit()
    return True


@job("mail.deliver", retries=3, retry_delay=30)
def deliver(mail_ids: list[int]) -> None:
    """Send these outbox rows (those still claimable).

    Jobs return nothing: Huey would otherwise keep every return value in the queue's storage.
    """
    app = _app()
    rules = DeliveryRules.of(app.config)
    backend = backend_for(app)
    for mail_id in mail_ids:
        deliver_one(backend, mail_id, rules)


@job("mail.sweep", retries=0, every_minutes=1)
def sweep() -> None:
    """Enqueue delivery for mail that is due (retries, lost jobs, sends whose worker died), and the
    fan-outs left undone."""
    app = _app()
    now, rules = utcnow(), DeliveryRules.of(app.config)
    mail_ids = due_mail(db.session, now, rules)
    fanout_ids = undone_fanouts(db.session, now, rules)
    db.session.commit()
    for fanout_id in fanout_ids:
        enqueue(app, "mail.fanout", fanout_id)
    enqueue_delivery(app, mail_ids)
    if mail_ids:
        log.info("Mail sweep: %d mail(s) due, delivery enqueued", len(mail_ids))
