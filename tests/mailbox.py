"""Reading the tests' mail: the messages to one address, and the site link a message holds."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage

Outbox = Callable[[], list[EmailMessage]]


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def mails_to(outbox: Outbox, address: str, subject: str | None = None) -> list[EmailMessage]:
    return [m for m in outbox() if m["To"] == address and (subject is None or m["Subject"] == subject)]


def link_in(mail: EmailMessage, prefix: str) -> str:
    """The path of the first link in `mail` that starts with `prefix` (e.g. "/account/password/reset/")."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"\S+)", text_of(mail))
    assert found is not None, text_of(mail)
    return found.group(1)
