"""The embedded database's connection settings, as a connection of the app reports them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from app import create_app
from app.extensions import db
from config import TestingConfig


def test_sqlite_connections_are_set_up_for_concurrent_writers(tmp_path: Path) -> None:
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'settings.db'}"})
    names = ("journal_mode", "busy_timeout", "synchronous", "wal_autocheckpoint", "foreign_keys")
    with app.app_context():
        pragma = {name: db.session.execute(text(f"PRAGMA {name}")).scalar() for name in names}
        db.engine.dispose()
    assert pragma == {
        "journal_mode": "wal",
        "busy_timeout": 30000,
        "synchronous": 1,  # NORMAL
        "wal_autocheckpoint": 10000,
        "foreign_keys": 1,
    }
