"""Outgoing email: queued in the database outbox with the change it tells about, sent by a worker's job.

Views and services never send directly: `queue_mail(session, event_key, message)` writes the message
into the outbox table (app/mail_outbox.py) in the caller's transaction, once per event key, and an
`after_commit` hook enqueues the "mail.deliver" job (app/jobs/mail_delivery.py) for the new rows. A
rollback removes the rows with the change, so a change that did not happen never sends mail. The job
sends through a backend (SMTP, or the development "outbox" folder of .eml files); a failed send is
retried with backoff, and a periodic sweep wakes up mail whose job was lost. At least once, and never
twice for the same event (DESIGN.md, "Mail").
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import EmailPolicy, default
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.database.sessions import DbSession
from app.jobs.queue import enqueue
from app.mail_outbox import insert_mail
from app.models import MailFanout
from app.models.timestamps import utcnow
from app.private_files import keep_private

log = logging.getLogger("app.mail")
PENDING = "commonfix_pending_mail"  # session.info: (app, ids of the outbox rows this transaction added)
PENDING_FANOUTS = "commonfix_pending_fanouts"  # session.info: (app, ids of its mail fan-outs)
DELIVERY_BATCH = 50  # outbox rows per "mail.deliver" job


class MailSettingsError(RuntimeError):
    """A send failed in a way the mail settings explain; the message names them (it lands in the log
    and in the outbox row's last_error, where an operator looks)."""


class MailBackend(Protocol):
    def send(self, messages: list[EmailMessage]) -> None: ...


class OutboxBackend:
    """Writes each message as an .eml file into a folder (development, tests, and the production profile
    without MAIL_SERVER).

    The messages hold sign-in and password-reset links: found from outside, each file was readable by
    every user of the machine (mode 644 in a folder of 755). A file is written for its owner only (600),
    and a folder made here is its owner's only (700)."""

    def __init__(self, folder: str | Path, shown_as: str | None = None) -> None:
        self.folder = Path(folder)
        self.shown_as = shown_as

    def send(self, messages: list[EmailMessage]) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for message in messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            with open(os.open(self.folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
                file.write(bytes(message))
            where = f"{self.shown_as.rstrip('/')}/{name}" if self.shown_as else str(self.folder / name)
            log.info("Email written to %s (to %s: %s)", where, message["To"], message["Subject"])

    def keep_old_mail_private(self) -> None:
        """Mail written before files were made private (mode 644): its owner's only too."""
        for written in self.folder.glob("*.eml"):
            keep_private(written)


class SmtpBackend:
    """Sends through an SMTP server, one connection per batch; STARTTLS when MAIL_USE_TLS is on."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.server = config.get("MAIL_SERVER") or "localhost"
        self.port = int(config.get("MAIL_PORT") or 25)
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.use_tls = bool(config.get("MAIL_USE_TLS"))

    def send(self, messages: list[EmailMessage]) -> None:
        try:
            smtp = smtplib.SMTP(self.server, self.port, timeout=30)
        except OSError as error:  # refused, unknown host, timed out: say where, and which settings
            raise MailSettingsError(
                f"cannot reach the SMTP server {self.server}:{self.port} (MAIL_SERVER, MAIL_PORT): "
                f"{type(error).__name__}: {error}"
            ) from error
        with smtp:
            if self.use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password or "")
            for message in messages:
                smtp.send_message(message)
        log.info("Sent %d email(s) through %s:%d", len(messages), self.server, self.port)


def outbox_folder(app: Flask) -> Path:
    configured = app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "outbox"


def backend_for(app: Flask) -> MailBackend:
    name = str(app.config.get("MAIL_BACKEND") or "smtp").lower()
    if name == "outbox":
        folder = outbox_folder(app)
        shown = "instance/outbox" if not app.config.get("MAIL_OUTBOX_DIR") else None
        return OutboxBackend(folder, shown)
    if name == "smtp":
        return SmtpBackend(app.config)
    raise ValueError(f"MAIL_BACKEND must be 'smtp' or 'outbox', not {name!r}")


def mail_destination(app: Flask) -> str:
    """Where the worker's mail goes, for its start-up line: the operator sees a missing MAIL_SERVER there,
    not hours later in failed sends."""
    backend = backend_for(app)
    if isinstance(backend, SmtpBackend):
        unset = "" if app.config.get("MAIL_SERVER") else " (MAIL_SERVER is not set)"
        return f"via SMTP {backend.server}:{backend.port}{unset}"
    return f"as .eml files in {outbox_folder(app)} (MAIL_BACKEND=outbox)"


# RFC 2369: a List-* header is `<URL>`, and a mail program ignores one that starts otherwise. Python folds
# every header at 78 characters and, finding no space to fold a longer URL at, writes it as RFC 2047
# encoded words (`=?utf-8?q?=3Chttps...`), which mail programs do not decode there: no unsubscribe
# button. These headers are folded at RFC 5322's limit of 998 characters instead; every other header
# and the body (quoted-printable's 76) fold as before.
URL_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})
_UNFOLDED = default.clone(max_line_length=998)


class MailPolicy(EmailPolicy):
    """email.policy.default, but List-Unsubscribe keeps its URL whole (see URL_HEADERS)."""

    def fold(self, name: str, value: str) -> str:
        if name.lower() in URL_HEADERS:
            return str(_UNFOLDED.fold(name, value))
        return str(super().fold(name, value))

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in URL_HEADERS:
            return bytes(_UNFOLDED.fold_binary(name, value))
        return bytes(super().fold_binary(name, value))


MAIL_POLICY = MailPolicy()


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    sender: str,
    unsubscribe_url: str | None = None,
    html: str | None = None,
) -> EmailMessage:
    """A plain-text (optionally also HTML) message; with a one-click unsubscribe (RFC 8058) when given."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = sender
    message["To"] = to
    # A subject often holds a resident's text (a title may have line breaks), and a header may not.
    message["Subject"] = " ".join(subject.split())
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="commonfix.local")
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def queue_mail(session: DbSession, event_key: str, message: EmailMessage) -> bool:
    """Queue `message` in the outbox, in this session's transaction; a worker sends it after the commit.

    `event_key` names the event and the recipient (e.g. "issue-event:42:to:7"): a key queued before is
    skipped, so a retried request or job never mails twice. True when this call queued it.
    """
    mail_id = insert_mail(session, event_key, message, utcnow())
    if mail_id is None:
        return False
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types current_app as its Flask, not as the proxy it is
    pending: list[tuple[Flask, int]] = session.info.setdefault(PENDING, [])
    pending.append((app, mail_id))
    return True


def queue_text(session: DbSession, event_key: str, to: str, subject: str, text: str) -> bool:
    """Queue a plain-text mail from the site's sender (see `queue_mail`): the common case."""
    message = build_message(
        to=to, subject=subject, text=text, sender=current_app.config["MAIL_DEFAULT_SENDER"]
    )
    return queue_mail(session, event_key, message)


def queue_fanout(session: DbSession, subject: str, body: str, recipients: str) -> int:
    """Leave an event's mail to many recipients (`recipients` as JSON) to a worker's "mail.fanout" job,
    in this session's transaction: the job queues one outbox row per recipient after the commit."""
    fanout = MailFanout(subject=subject, body=body, recipients=recipients, created_at=utcnow())
    session.add(fanout)
    session.flush()
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # as in queue_mail
    session.info.setdefault(PENDING_FANOUTS, []).append((app, fanout.id))
    return fanout.id


def pending_mail(session: DbSession) -> list[int]:
    """The outbox rows this session's transaction queued, not yet committed."""
    return [mail_id for _app, mail_id in session.info.get(PENDING, [])]


@event.listens_for(Session, "after_commit")
def _wake_worker(session: Session) -> None:
    for app, fanout_id in session.info.pop(PENDING_FANOUTS, []):
        try:
            enqueue(app, "mail.fanout", fanout_id)
        except Exception as error:
            # As below: the row is committed, and the sweep enqueues a fan-out left undone.
            log.warning("Could not enqueue mail fan-out %d (%s); the sweep will", fanout_id, _said(error))
    pending: list[tuple[Flask, int]] = session.info.pop(PENDING, [])
    by_app: dict[int, tuple[Flask, list[int]]] = {}
    for app, mail_id in pending:
        by_app.setdefault(id(app), (app, []))[1].append(mail_id)
    for app, mail_ids in by_app.values():
        try:
            enqueue_delivery(app, mail_ids)
        except Exception as error:
            # The rows are committed; the queue being down (Redis restarting) must not turn the change
            # into an error page. The sweep finds the rows and enqueues them again. One line: a queue
            # down for a while would bury the log in a traceback per request (found from outside).
            log.warning("Could not enqueue mail %s (%s); the sweep will send it", mail_ids, _said(error))


def _said(error: Exception) -> str:
    """An error in one line: its kind and message (a Redis URL's password is never in its message)."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def enqueue_delivery(app: Flask, mail_ids: list[int]) -> None:
    """Wake a worker for these outbox rows, DELIVERY_BATCH rows per job."""
    for start in range(0, len(mail_ids), DELIVERY_BATCH):
        enqueue(app, "mail.deliver", mail_ids[start : start + DELIVERY_BATCH])


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(PENDING, None)
    session.info.pop(PENDING_FANOUTS, None)


def init_mail(app: Flask) -> None:
    """Check the backend setting early, make mail already in the outbox private, and let the outbox's
    log lines show in `flask run`."""
    backend = backend_for(app)
    if isinstance(backend, OutboxBackend):
        backend.keep_old_mail_private()
    _ = app.logger  # attaches Flask's handler to the "app" logger, which "app.mail" propagates to
    if str(app.config.get("MAIL_BACKEND")).lower() == "outbox" and log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    log.disabled = False  # Alembic's fileConfig (migrations/env.py) disables loggers created before it
