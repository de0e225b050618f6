"""The "mail.fanout" job: one event's mail to many recipients, queued in the outbox by a worker.

The request that made the change wrote a `mail_fanouts` row in its transaction (app.mail.queue_fanout)
instead of building every message. The job builds the messages in chunks outside any transaction and
writes each chunk in a short one, so neither the request nor the worker holds the database (SQLite's
write lock) while thousands of messages are built. The outbox keys make a repeated or resumed job
harmless; the mail sweep (app/jobs/mail_delivery.py) enqueues fan-outs whose job was lost.
"""

from __future__ import annotations

import json

from sqlalchemy import update

from app.extensions import db
from app.jobs.queue import job
from app.mail import queue_mail
from app.models import MailFanout
from app.models.timestamps import utcnow
from app.services.issues.notifications import Recipient, letter

CHUNK = 200  # messages built, then written in one transaction


@job("mail.fanout", retries=3, retry_delay=30)
def fan_out(fanout_id: int) -> None:
    """Queue the fan-out's mail to each recipient, then mark it done (a done one is left alone)."""
    session = db.session
    found = session.get(MailFanout, fanout_id)
    if found is None or found.done_at is not None:
        session.commit()
        return
    subject, body = found.subject, found.body
    recipients = [Recipient.from_json(row) for row in json.loads(found.recipients)]
    session.commit()
    for start in range(0, len(recipients), CHUNK):
        chunk = recipients[start : start + CHUNK]
        messages = [(recipient.key, letter(subject, body, recipient)) for recipient in chunk]
        for key, message in messages:
            queue_mail(session, key, message)
        session.commit()
    session.execute(
        update(MailFanout)
        .where(MailFanout.id == fanout_id, MailFanout.done_at.is_(None))
        .values(done_at=utcnow())
    )
    session.commit()
