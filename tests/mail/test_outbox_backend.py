"""The outbox mail backend: each message an .eml file only its owner may read, and a log line of where."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from app import mail


def test_outbox_logs_where_it_wrote(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mail.log, "disabled", False)  # the migrations' logging config disables it
    backend = mail.OutboxBackend(tmp_path, shown_as="instance/outbox")
    message = mail.build_message(to="a@example.org", subject="Hi", text="Hello", sender="x@example.org")
    with caplog.at_level(logging.INFO, logger="app.mail"):
        backend.send([message])
    (written,) = list(tmp_path.glob("*.eml"))
    assert f"Email written to instance/outbox/{written.name}" in caplog.text


def test_outbox_files_are_their_owners_only(tmp_path: Path) -> None:
    """Found from outside: every .eml file, sign-in and reset links included, was readable by every user
    of the machine."""
    folder = tmp_path / "outbox"
    message = mail.build_message(to="a@example.org", subject="Reset", text="Link", sender="x@example.org")
    mail.OutboxBackend(folder).send([message, message])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    written = list(folder.glob("*.eml"))
    assert len(written) == 2
    assert {stat.S_IMODE(path.stat().st_mode) for path in written} == {0o600}
    assert written[0].read_bytes() == bytes(message)
