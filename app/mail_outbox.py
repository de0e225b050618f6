"""The mail outbox's rows: queued once per event key, claimed with a lease, marked sent, retried with backoff.

Each function takes the session and the time it acts at, and flushes; the caller commits (the view for
`insert_mail`, the delivery job for the rest). Delivery is at least once and never twice for the same
event: the event key is unique, and a worker claims a row with a conditional UPDATE before it sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.models import MailFanout, MailStatus, OutgoingMail

LONGEST_BACKOFF = timedelta(hours=6)
ERROR_TEXT_LIMIT = 1000


@dataclass(frozen=True)
class DeliveryRules:
    """How hard the worker tries: attempts, the first retry's delay (doubling after), the send lease."""

    max_attempts: int = 8
    retry_seconds: int = 60
    lease_seconds: int = 300
    sweep_after_seconds: int = 60  # a new mail's own job is on its way: the sweep leaves it alone this long

    @classmethod
    def of(cls, config: Mapping[str, Any]) -> DeliveryRules:
        return cls(
            max_attempts=int(config["MAIL_MAX_ATTEMPTS"]),
            retry_seconds=int(config["MAIL_RETRY_SECONDS"]),
            lease_seconds=int(config["MAIL_SEND_LEASE_SECONDS"]),
            sweep_after_seconds=int(config["MAIL_SWEEP_AFTER_SECONDS"]),
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: retry_seconds, then doubling, at most 6 hours."""
        seconds = self.retry_seconds * 2 ** min(max(attempts - 1, 0), 30)
        return min(timedelta(seconds=seconds), LONGEST_BACKOFF)


def insert_mail(session: DbSession, event_key: str, message: EmailMessage, now: datetime) -> int | None:
    """Queue `message` under `event_key`; the new row's id, or None when that key was queued before."""
    statement = insert_ignoring_duplicates(
        session,
        OutgoingMail,
        event_key=event_key,
        recipient=str(message["To"] or ""),
        subject=str(message["Subject"] or ""),
        message=bytes(message),
        status=MailStatus.QUEUED.value,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    ).returning(OutgoingMail.id)
    mail_id: int | None = session.execute(statement).scalar_one_or_none()
    return mail_id


def _claimable(now: datetime) -> Any:
    return or_(
        and_(OutgoingMail.status == MailStatus.QUEUED.value, OutgoingMail.next_attempt_at <= now),
        # A worker died mid-send (or took longer than its lease): the next one takes the row over.
        and_(OutgoingMail.status == MailStatus.SENDING.value, OutgoingMail.claimed_until < now),
    )


def claim(session: DbSession, mail_id: int, now: datetime, rules: DeliveryRules) -> int | None:
    """Take the row for one send attempt; its attempt number, or None when it is not ours to send.

    One conditional UPDATE: of two workers claiming the same row, exactly one changes it.
    """
    statement = (
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, _claimable(now))
        .values(
            status=MailStatus.SENDING.value,
            claimed_until=now + timedelta(seconds=rules.lease_seconds),
            attempts=OutgoingMail.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if execute_write(session, statement).rowcount != 1:
        return None
    attempts: int = session.scalar(select(OutgoingMail.attempts).where(OutgoingMail.id == mail_id)) or 0
    return attempts


def message_bytes(session: DbSession, mail_id: int) -> bytes:
    data: bytes = session.scalars(select(OutgoingMail.message).where(OutgoingMail.id == mail_id)).one()
    return data


def mark_sent(session: DbSession, mail_id: int, now: datetime) -> None:
    execute_write(
        session,
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.status == MailStatus.SENDING.value)
        .values(status=MailStatus.SENT.value, sent_at=now, claimed_until=None, last_error=None)
        .execution_options(synchronize_session=False),
    )


def record_failure(
    session: DbSession, mail_id: int, attempts: int, error: str, now: datetime, rules: DeliveryRules
) -> MailStatus:
    """A failed attempt: queued again after the backoff, or failed for good after max_attempts."""
    gives_up = attempts >= rules.max_attempts
    status = MailStatus.FAILED if gives_up else MailStatus.QUEUED
    execute_write(
        session,
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, OutgoingMail.status == MailStatus.SENDING.value)
        .values(
            status=status.value,
            claimed_until=None,
            next_attempt_at=now if gives_up else now + rules.backoff(attempts),
            last_error=error[:ERROR_TEXT_LIMIT],
        )
        .execution_options(synchronize_session=False),
    )
    return status


def due_mail(session: DbSession, now: datetime, rules: DeliveryRules, limit: int = 1000) -> list[int]:
    """Rows the sweep should wake a worker for: retries now due, first tries whose job seems lost
    (queued longer than sweep_after_seconds), and sends whose worker died (lease expired)."""
    lost_before = now - timedelta(seconds=rules.sweep_after_seconds)
    queued = OutgoingMail.status == MailStatus.QUEUED.value
    return list(
        session.scalars(
            select(OutgoingMail.id)
            .where(
                or_(
                    and_(queued, OutgoingMail.attempts == 0, OutgoingMail.next_attempt_at <= lost_before),
                    and_(queued, OutgoingMail.attempts > 0, OutgoingMail.next_attempt_at <= now),
                    and_(OutgoingMail.status == MailStatus.SENDING.value, OutgoingMail.claimed_until < now),
                )
            )
            .order_by(OutgoingMail.id)
            .limit(limit)
        )
    )


def undone_fanouts(session: DbSession, now: datetime, rules: DeliveryRules) -> list[int]:
    """Fan-outs still undone sweep_after_seconds after they were written: their job was lost, or its
    worker died (the job resumes: mail it queued before is skipped by its key)."""
    lost_before = now - timedelta(seconds=rules.sweep_after_seconds)
    return list(
        session.scalars(
            select(MailFanout.id)
            .where(MailFanout.done_at.is_(None), MailFanout.created_at <= lost_before)
            .order_by(MailFanout.id)
        )
    )


def counts_by_status(session: DbSession) -> dict[str, int]:
    """How many mails are in each state, every state named (the admins' view: failed ones need a look)."""
    rows = session.execute(select(OutgoingMail.status, func.count()).group_by(OutgoingMail.status))
    return {status.value: 0 for status in MailStatus} | {status: count for status, count in rows.tuples()}
