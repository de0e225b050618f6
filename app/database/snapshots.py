"""Whole-database copies for backups: SQLite's online backup API, and pg_dump / pg_restore for PostgreSQL."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

from app.database.engines import sqlite_dbapi

PG_TOOLS = ("pg_dump", "pg_restore")


class SnapshotError(RuntimeError):
    """A copy could not be taken or put back; the message says why, for the operator."""


def engine_name(database_uri: str) -> str:
    """ "sqlite" or "postgresql" (the engines Commonfix runs on), from a SQLAlchemy URL."""
    backend = make_url(database_uri).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise SnapshotError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


# --- SQLite ----------------------------------------------------------------------------------------


def sqlite_file(database_uri: str) -> Path:
    path = make_url(database_uri).database
    if not path or path == ":memory:":
        raise SnapshotError("an in-memory SQLite database cannot be backed up or restored")
    return Path(path)


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database page by page with the online backup API, in one step.

    One step (pages=-1) reads the whole database inside one read transaction, so the copy is the
    database as of one commit even while writers go on (WAL lets them). The copy is left in rollback
    journal mode: a single self-contained file. Restoring uses the same call with the roles swapped; the
    app sets WAL again on its next connection.
    """
    if not source.is_file():
        raise SnapshotError(f"there is no SQLite database at {source}")
    dbapi = sqlite_dbapi()
    try:
        reader = dbapi.connect(str(source), timeout=30)
    except dbapi.Error as exc:
        raise SnapshotError(f"cannot open the SQLite database {source}: {exc}") from None
    try:
        writer = dbapi.connect(str(target), timeout=30)
        try:
            reader.backup(writer, pages=-1)
            writer.execute("PRAGMA journal_mode = DELETE")
        finally:
            writer.close()
    except dbapi.Error as exc:
        raise SnapshotError(f"copying {source} to {target} failed: {exc}") from None
    finally:
        reader.close()


def sqlite_copy_engine(path: Path) -> Engine:
    """An engine reading a copied SQLite file as it is: no SpatiaLite, no WAL switch, no PRAGMA optimize."""
    return create_engine(f"sqlite:///{path}", module=sqlite_dbapi(), poolclass=NullPool)


# --- PostgreSQL ------------------------------------------------------------------------------------


def postgres_bin_dirs() -> list[Path]:
    """Where PostgreSQL's programs may be: PATH first, then Debian's versioned dirs, newest first."""
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl") or shutil.which("pg_dump")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versioned = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(Path(p) for p in versioned)
    return candidates


def postgres_tool(name: str) -> Path:
    """The newest `name` (pg_dump, pg_restore) installed; pg_dump must be at least the server's version."""
    for directory in postgres_bin_dirs():
        if (directory / name).exists():
            return directory / name
    raise SnapshotError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/*/bin (Debian package postgresql-client)"
    )


def libpq_environment(database_uri: str) -> dict[str, str]:
    """PG* variables naming the database of a SQLAlchemy URL; the password never goes on a command line."""
    url: URL = make_url(database_uri)
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", url.host),
        ("PGPORT", str(url.port) if url.port else None),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
        ("PGSSLMODE", url.query.get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def run_tool(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise SnapshotError(f"{what} could not start: {exc}") from None
    if result.returncode != 0:
        raise SnapshotError(f"{what} failed (exit {result.returncode}):\n{result.stderr.strip()[-2000:]}")


def dump_postgres(database_uri: str, target: Path, snapshot: str | None) -> None:
    """pg_dump in custom format; with `snapshot` (pg_export_snapshot()) it dumps exactly that moment."""
    command = [str(postgres_tool("pg_dump")), "--format=custom", "--no-owner", "--no-privileges"]
    if snapshot:
        command.append(f"--snapshot={snapshot}")
    command.append(f"--file={target}")
    run_tool(command, libpq_environment(database_uri), "pg_dump")


def restore_postgres(database_uri: str, source: Path, *, clean: bool) -> None:
    """pg_restore in one transaction (all or nothing); `clean` drops the dump's objects first."""
    command = [
        str(postgres_tool("pg_restore")),
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
    ]
    if clean:
        command += ["--clean", "--if-exists"]
    command += [f"--dbname={make_url(database_uri).database}", str(source)]
    run_tool(command, libpq_environment(database_uri), "pg_restore")


def export_snapshot(connection: Connection) -> str:
    """Export the snapshot of `connection`'s REPEATABLE READ transaction for pg_dump --snapshot.

    Called as the transaction's first statement, it fixes the transaction's own snapshot too, so what
    the connection reads afterwards and what pg_dump writes are the same moment.
    """
    return str(connection.execute(text("SELECT pg_export_snapshot()")).scalar_one())
