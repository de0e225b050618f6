"""Outgoing email: an SMTP backend and a development "outbox" folder, sent only after the commit.

Views and services never send directly: `queue_mail(session, message)` parks the message in the
session, and an `after_commit` hook delivers everything parked there once the transaction is durable.
A rollback discards the parked messages, so a change that did not happen never sends mail. Delivery
is at most once: a crash between the commit and the send loses that mail (no retry queue, by choice).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.database.sessions import DbSession

log = logging.getLogger("app.mail")
PENDING = "commonfix_pending_mail"


class MailBackend(Protocol):
    def send(self, messages: list[EmailMessage]) -> None: ...


class OutboxBackend:
    """Writes each message as an .eml file into a folder (development and tests)."""

    def __init__(self, folder: str | Path, shown_as: str | None = None) -> None:
        self.folder = Path(folder)
        self.shown_as = shown_as

    def send(self, messages: list[EmailMessage]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in messages:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            (self.folder / name).write_bytes(bytes(message))
            where = f"{self.shown_as.rstrip('/')}/{name}" if self.shown_as else str(self.folder / name)
            log.info("Email written to %s (to %s: %s)", where, message["To"], message["Subject"])


class SmtpBackend:
    """Sends through an SMTP server, one connection per batch; STARTTLS when MAIL_USE_TLS is on."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.server = config.get("MAIL_SERVER") or "localhost"
        self.port = int(config.get("MAIL_PORT") or 25)
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.use_tls = bool(config.get("MAIL_USE_TLS"))

    def send(self, messages: list[EmailMessage]) -> None:
        with smtplib.SMTP(self.server, self.port, timeout=30) as smtp:
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
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
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


def queue_mail(session: DbSession, message: EmailMessage) -> None:
    """Send `message` after this session's transaction commits (never if it rolls back)."""
    pending: list[tuple[MailBackend, EmailMessage]] = session.info.setdefault(PENDING, [])
    pending.append((backend_for(current_app._get_current_object()), message))  # type: ignore[attr-defined]  # Flask types current_app as its Flask, not as the proxy it is


def pending_mail(session: DbSession) -> list[EmailMessage]:
    return [message for _backend, message in session.info.get(PENDING, [])]


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    pending: list[tuple[MailBackend, EmailMessage]] = session.info.pop(PENDING, [])
    by_backend: dict[int, tuple[MailBackend, list[EmailMessage]]] = {}
    for backend, message in pending:
        by_backend.setdefault(id(backend), (backend, []))[1].append(message)
    for backend, messages in by_backend.values():
        try:
            backend.send(messages)
        except (OSError, smtplib.SMTPException):
            # The change is committed; a mail outage must not turn it into an error page.
            log.exception("Could not send %d email(s)", len(messages))


@event.listens_for(Session, "after_rollback")
def _discard(session: Session) -> None:
    session.info.pop(PENDING, None)


def init_mail(app: Flask) -> None:
    """Check the backend setting early, and let the outbox's log lines show in `flask run`."""
    backend_for(app)
    _ = app.logger  # attaches Flask's handler to the "app" logger, which "app.mail" propagates to
    if str(app.config.get("MAIL_BACKEND")).lower() == "outbox" and log.level == logging.NOTSET:
        log.setLevel(logging.INFO)
    log.disabled = False  # Alembic's fileConfig (migrations/env.py) disables loggers created before it
