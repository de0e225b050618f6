"""Taking a backup while the app runs: one consistent database copy, then the photos, then the manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app.backups.manifest import (
    BackupError,
    Manifest,
    database_failure,
    file_entry,
    now_text,
    summarise,
    write_manifest,
)
from app.backups.photos import back_up_photos
from app.database.snapshots import (
    SnapshotError,
    copy_sqlite,
    dump_postgres,
    engine_name,
    export_snapshot,
    sqlite_copy_engine,
    sqlite_file,
)
from app.extensions import db

DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def prepare_folder(root: Path) -> None:
    """A new or empty folder: a backup never overwrites an older one."""
    try:
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise BackupError(f"{root} exists and is not an empty folder: use a new folder per backup")
        root.mkdir(parents=True, exist_ok=True)
        root.chmod(0o700)  # residents' emails and password hashes: for the backup's owner only
        probe = root / ".writable"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise BackupError(f"cannot write a backup into {root}: {exc.strerror or exc}") from None


def copy_database(app: Flask, root: Path) -> tuple[str, dict[str, object]]:
    """The database copy and the summary of exactly what it holds."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    engine = engine_name(uri)
    target = root / DATABASE_FILES[engine]
    if engine == "sqlite":
        copy_sqlite(sqlite_file(uri), target)
        # Summarise the copy itself, so the manifest describes what was saved, whatever came after.
        copy = sqlite_copy_engine(target)
        try:
            with copy.connect() as connection:
                return engine, summarise(connection)
        finally:
            copy.dispose()
    with db.engine.connect() as connection:
        reading = connection.execution_options(isolation_level="REPEATABLE READ")
        with reading.begin():
            snapshot = export_snapshot(reading)
            summary = summarise(reading)
            dump_postgres(uri, target, snapshot)
    return engine, summary


def keep_private(root: Path) -> None:
    """Folders 700 and files 600, whatever the umask gave pg_dump and the copies: copied elsewhere with
    their modes (rsync -a, cp -p), they stay readable by the backup's owner only."""
    for path in root.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)


def remove_unfinished(root: Path) -> None:
    """Empty the folder a failed backup wrote into (it was new or empty), so the next run may use it."""
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def take_backup(app: Flask, root: Path) -> Manifest:
    """Database first, photos second: every photo the copied rows name was on disk before its row."""
    prepare_folder(root)
    try:
        engine, summary = copy_database(app, root)
        photos = back_up_photos(app.config, root)
        database_file = root / DATABASE_FILES[engine]
        files = [file_entry(root, path) for path in [database_file, *photos]]
        manifest = Manifest(engine, database_file.name, summary, files, now_text())
        write_manifest(root, manifest)
        keep_private(root)
    except OSError as exc:
        remove_unfinished(root)
        raise BackupError(f"writing the backup into {root} failed: {exc}") from None
    except (BackupError, SnapshotError):
        remove_unfinished(root)
        raise
    except SQLAlchemyError as exc:
        remove_unfinished(root)
        raise database_failure("reading the database failed", exc) from None
    return manifest
