"""Files holding residents' data are their owner's only (mode 600): the development database, the
embedded job queue and mail already in the outbox (found from outside: all three were mode 644)."""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.jobs.queue import make_huey
from app.private_files import keep_private
from config import TestingConfig


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def make_readable(path: Path) -> None:
    path.touch()
    os.chmod(path, 0o644)


@pytest.mark.parametrize("already_there", [False, True])
def test_the_sqlite_database_and_its_side_files_are_private(tmp_path: Path, already_there: bool) -> None:
    database = tmp_path / "commonfix.db"
    if already_there:  # a database made before this change, mode 644
        sqlite3.connect(database).close()
        os.chmod(database, 0o644)
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        db.session.execute(text("CREATE TABLE note (body TEXT)"))
        db.session.execute(text("INSERT INTO note VALUES ('written')"))
        db.session.commit()
        side_files = [Path(f"{database}{suffix}") for suffix in ("-wal", "-shm")]
        assert all(path.exists() for path in side_files)  # WAL: both are there while it is open
        assert {mode(path) for path in [database, *side_files]} == {0o600}
        db.engine.dispose()


def test_the_embedded_queue_is_private(tmp_path: Path) -> None:
    make_huey(None, str(tmp_path))
    assert mode(tmp_path / "queue.sqlite3") == 0o600
    old = tmp_path / "old-queue.sqlite3"
    sqlite3.connect(old).close()
    os.chmod(old, 0o644)
    make_huey(f"sqlite:///{old}", str(tmp_path))
    assert mode(old) == 0o600


def test_mail_written_before_is_made_private_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    old_mail = folder / "20261101T000000-abcdef01.eml"
    make_readable(old_mail)
    other = folder / "notes.txt"  # not mail: the app leaves what it did not write alone
    make_readable(other)
    create_app(TestingConfig, {"MAIL_OUTBOX_DIR": str(folder), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert mode(old_mail) == 0o600
    assert mode(other) == 0o644


def test_a_file_it_may_not_change_is_left_and_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another user's file (chmod refused) does not stop the app; the log names the file."""
    path = tmp_path / "theirs.db"
    make_readable(path)

    def refuse(_path: Path, _mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "chmod", refuse)
    with caplog.at_level(logging.WARNING, logger="app.private_files"):
        keep_private(path)
    assert mode(path) == 0o644
    assert f"Could not make {path} readable by its owner only: Operation not permitted" in caplog.text


def test_a_missing_file_is_nothing_to_do(tmp_path: Path) -> None:
    keep_private(tmp_path / "never-made.db")
    assert not (tmp_path / "never-made.db").exists()


def test_a_private_file_stays_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "outbox.eml"
    path.touch()
    os.chmod(path, 0o400)  # stricter than 600: not loosened
    keep_private(path)
    assert mode(path) == 0o400
