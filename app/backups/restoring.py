"""Restoring a backup into an empty database: verify every file, put it back, then prove it is whole."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask
from sqlalchemy import text, update
from sqlalchemy.exc import SQLAlchemyError

from app.backups.manifest import (
    BackupError,
    Manifest,
    database_failure,
    differences,
    read_manifest,
    summarise,
    table_counts,
    verify_files,
)
from app.backups.photos import photo_folder, restore_photos, stored_photos
from app.database.snapshots import copy_sqlite, engine_name, restore_postgres, sqlite_file
from app.extensions import db
from app.models import MailFanout, MailStatus, OutgoingMail
from app.models.timestamps import utcnow
from app.services.funding.transparency import check_ledger
from app.services.kernel.text import first_of
from budgets.allocation import counted

ENGINE_NAMES = {"sqlite": "SQLite + SpatiaLite", "postgresql": "PostgreSQL + PostGIS"}


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    photos: int
    postings: int
    code_head: str  # this code's newest schema revision: init-db migrates the restored one up to it
    held_mail: int = 0  # mails waiting at the backup's time, held rather than sent (they may have gone)
    held_fanouts: int = 0  # mail fan-outs unfinished at the backup's time, held alike


def code_head(app: Flask, manifest: Manifest) -> str:
    """This code's head revision; a backup from newer code (a revision it does not know) is refused."""
    scripts = ScriptDirectory(app.extensions["migrate"].directory)
    revision = manifest.summary["schema_revision"]
    try:
        if revision is not None:
            scripts.get_revision(revision)
    except CommandError:
        raise BackupError(
            f"the backup's schema revision {revision} is unknown to this code: it was written by a newer "
            "version of Commonfix; restore it with that version (or newer)"
        ) from None
    return str(scripts.get_current_head())


def what_is_there(app: Flask) -> list[str]:
    """Why the target is not empty: tables holding rows, photos in the photo folder."""
    with db.engine.connect() as connection:
        counts = table_counts(connection)
    filled = [f"{table} ({counted(rows, 'row')})" for table, rows in counts.items() if rows]
    photos = stored_photos(photo_folder(app.config))
    if photos:
        filled.append(f"{counted(len(photos), 'file')} in {photo_folder(app.config)}")
    return filled


def check_target(app: Flask, manifest: Manifest, force: bool) -> str:
    engine = engine_name(app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest.engine != engine:
        raise BackupError(
            f"this is a backup of a {ENGINE_NAMES.get(manifest.engine, manifest.engine)} database, and this "
            f"app's database is {ENGINE_NAMES[engine]}: point DATABASE_URL at an empty "
            f"{ENGINE_NAMES.get(manifest.engine, manifest.engine)} database to restore it"
        )
    if engine != "sqlite":
        _refuse_while_served()
    if not force:
        filled = what_is_there(app)
        if filled:
            raise BackupError(
                f"the target is not empty: {first_of(filled, 5)}. Restore into an empty database and photo "
                "folder, or pass --force to replace what is there"
            )
    return engine


def _refuse_while_served() -> None:
    """Refuse while other sessions use the PostgreSQL database (found from outside: `restore --force`
    under a running site replaced its data while it kept serving, and what was written since the
    backup was lost without a word). SQLite has no such view: README says to stop the site first."""
    db.session.remove()  # this command's own connections are not the site's
    db.engine.dispose()
    with db.engine.connect() as connection:
        others = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ).scalar_one()
    db.engine.dispose()
    if others:
        raise BackupError(
            f"{others} other connection{'s are' if others != 1 else ' is'} open to the database: the web "
            "server or the worker still runs. Stop them, then restore (what they wrote since the backup "
            "would be lost, and they would go on writing into the restored data)"
        )


def put_database_back(app: Flask, root: Path, manifest: Manifest, engine: str, force: bool) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    db.engine.dispose()  # no pooled connection may hold the old database open
    if engine == "sqlite":
        copy_sqlite(root / manifest.database_file, sqlite_file(uri))
    else:
        restore_postgres(uri, root / manifest.database_file, clean=force)
    db.engine.dispose()


def prove_whole(manifest: Manifest) -> int:
    """The restored rows, ledger sums and likes are the manifest's, and the ledger's invariants hold."""
    with db.engine.connect() as connection:
        found: dict[str, Any] = summarise(connection)
    problems = differences(manifest.summary, found)
    try:
        violation, postings = check_ledger(db.session)
    finally:
        db.session.remove()
    if violation is not None:
        problems.append(f"ledger check: {violation}")
    if problems:
        raise BackupError("the restored database does not match the backup:\n  " + "\n  ".join(problems))
    return postings


def hold_waiting_mail(manifest: Manifest) -> tuple[int, int]:
    """Mail still waiting when the backup was taken may have gone out since: it is marked failed with
    the reason, and unfinished fan-outs done, so a restored site does not mail residents again (found
    from outside: a restore sent a status mail a second time). Returns (mails, fan-outs) held."""
    reason = (
        f"Held at restore: it was waiting when the backup of {manifest.created_at} was taken, and may "
        "have been sent since."
    )
    waiting = (MailStatus.QUEUED.value, MailStatus.SENDING.value)
    with db.engine.begin() as connection:
        mails = connection.execute(
            update(OutgoingMail)
            .where(OutgoingMail.status.in_(waiting))
            .values(status=MailStatus.FAILED.value, claimed_until=None, last_error=reason)
        ).rowcount
        fanouts = connection.execute(
            update(MailFanout).where(MailFanout.done_at.is_(None)).values(done_at=utcnow())
        ).rowcount
    return mails, fanouts


def take_back(app: Flask, engine: str, force: bool, copies: list[Path]) -> str:
    """After a restore failed its checks: what the target holds now, said for the operator. Into an empty
    SQLite target the restored file and photos are removed again; a PostgreSQL restore has committed, and
    a forced one replaced what was there (found from outside: a failed check left the restored data in
    place without a word, and a retry was then refused as "not empty")."""
    if engine == "sqlite" and not force:
        db.engine.dispose()
        sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"]).unlink(missing_ok=True)
        for copy in copies:
            copy.unlink(missing_ok=True)
        return "Nothing was kept: the target is as empty as before."
    return (
        "The target now holds this backup's data and photos, unproven: do not serve it. Restore a good "
        "backup over it with --force, or empty it."
    )


def restore_backup(
    app: Flask, root: Path, *, force: bool = False, send_waiting_mail: bool = False
) -> Restored:
    manifest = read_manifest(root)
    verify_files(root, manifest)
    head = code_head(app, manifest)
    try:
        engine = check_target(app, manifest, force)
    except SQLAlchemyError as exc:
        raise database_failure("cannot read the target database", exc) from None
    put_database_back(app, root, manifest, engine, force)
    copies: list[Path] = []
    try:
        try:
            copies = restore_photos(app.config, root)
        except OSError as exc:
            raise BackupError(f"copying the photos to {photo_folder(app.config)} failed: {exc}") from None
        postings = prove_whole(manifest)
    except BackupError as failure:
        raise BackupError(f"{failure}\n{take_back(app, engine, force, copies)}") from None
    held = (0, 0) if send_waiting_mail else hold_waiting_mail(manifest)
    return Restored(manifest, len(copies), postings, head, *held)
