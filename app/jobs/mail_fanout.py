"""The "mail.fanout" job: one event's mail to many recipients, queued in the outbox by a worker.

The request that made the change wrote a `mail_fanouts` row in its transaction (app.mail.queue_fanout)
instead of building every message. The job builds the messages in chunks outside any transaction and
writes each chunk in a short one, so neither the request nor the worker holds the database (SQLite's
write lock) while thousands of messages are built. The outbox keys make a repeated or resumed job
harmless; the mail sweep (app/jobs/mail_delivery.py) enqueues fan-outs whose job was lost.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from app.database.sessions import DbSession, execute_write
from app.extensions import db
from app.jobs.queue import job
from app.mail import queue_mail
from app.models import MailFanout, OutgoingMail, User
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
        queue_chunk(session, subject, body, recipients[start : start + CHUNK])
    session.execute(
        update(MailFanout)
        .where(MailFanout.id == fanout_id, MailFanout.done_at.is_(None))
        .values(done_at=utcnow())
    )
    session.commit()


def queue_chunk(session: DbSession, subject: str, body: str, chunk: list[Recipient]) -> None:
    """Queue the chunk's mail in one transaction, less the mail to accounts deleted since the job read
    its recipients (a deletion takes the address out of the fan-out, but not out of a job's hands).

    The mail is written first: on SQLite that takes the write lock, so no deletion commits between the
    check and the commit. On PostgreSQL the live recipients' rows are read FOR SHARE: a deletion, which
    locks its user row before clearing that address's outbox, either waits for this commit and then
    clears these rows, or commits first and this check finds the account gone."""
    messages = [(recipient.key, letter(subject, body, recipient)) for recipient in chunk]
    for key, message in messages:
        queue_mail(session, key, message)
    addresses = {recipient.email for recipient in chunk}
    live = set(
        session.scalars(
            select(User.email)
            .where(User.email.in_(addresses), User.deleted_at.is_(None))
            .with_for_update(read=True)
        )
    )
    gone = [recipient.key for recipient in chunk if recipient.email not in live]
    if gone:
        execute_write(session, delete(OutgoingMail).where(OutgoingMail.event_key.in_(gone)))
    session.commit()
