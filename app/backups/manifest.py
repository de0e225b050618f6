"""A backup's manifest: what the database held at the moment of the copy, and every file with its hash."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, inspect, select, text

from app.extensions import db
from app.models import Issue, LedgerLine, LedgerPosting, Like

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup cannot be written or restored; the message is for the operator, not a traceback."""


def database_failure(what: str, exc: Exception) -> BackupError:
    """The driver's own first line (e.g. "connection refused"), without SQLAlchemy's statement dump."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return BackupError(f"{what}: {reason[0] if reason else type(exc).__name__}")


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows per app table; a table the database does not have counts as absent, not as zero."""
    present = set(inspect(connection).get_table_names())
    return {
        table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
        for table in db.metadata.sorted_tables
        if table.name in present
    }


def schema_revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ledger_sums(connection: Connection) -> dict[str, Any]:
    """Postings, the sum of every line (zero when balanced), the money moved, and each account's balance."""
    lines = LedgerLine.__table__
    accounts = connection.execute(
        select(lines.c.account, func.sum(lines.c.amount_cents)).group_by(lines.c.account)
    ).all()
    moved = connection.scalar(select(func.sum(lines.c.amount_cents)).where(lines.c.amount_cents > 0))
    return {
        "postings": int(connection.scalar(select(func.count()).select_from(LedgerPosting.__table__)) or 0),
        "lines_sum_cents": sum(int(total) for _, total in accounts),
        "moved_cents": int(moved or 0),
        "accounts": {account: int(total) for account, total in sorted(accounts)},
    }


def likes_figures(connection: Connection) -> dict[str, int]:
    """Like rows and the issues' like counters: equal in any consistent state (triggers keep them)."""
    rows = connection.scalar(select(func.count()).select_from(Like.__table__))
    counted = connection.scalar(select(func.coalesce(func.sum(Issue.__table__.c.likes_count), 0)))
    return {"rows": int(rows or 0), "counted": int(counted or 0)}


def summarise(connection: Connection) -> dict[str, Any]:
    """The figures a restore must find again: schema revision, rows per table, ledger sums, likes."""
    return {
        "schema_revision": schema_revision(connection),
        "tables": table_counts(connection),
        "ledger": ledger_sums(connection),
        "likes": likes_figures(connection),
    }


def file_entry(root: Path, path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    relative = path.relative_to(root).as_posix()
    return {"path": relative, "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


@dataclass(frozen=True)
class Manifest:
    engine: str
    database_file: str
    summary: dict[str, Any]
    files: list[dict[str, Any]]
    created_at: str

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "created_at": self.created_at,
                "engine": self.engine,
                "database_file": self.database_file,
                **self.summary,
                "files": self.files,
            },
            indent=2,
        )


def now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_manifest(root: Path, manifest: Manifest) -> None:
    """Written last: a folder without a manifest is an unfinished backup and restore refuses it."""
    (root / MANIFEST).write_text(manifest.to_json() + "\n", encoding="utf-8")


def read_manifest(root: Path) -> Manifest:
    if not root.is_dir():
        raise BackupError(f"{root} is not a folder holding a backup")
    path = root / MANIFEST
    if not path.is_file():
        raise BackupError(f"{root} holds no {MANIFEST}: not a backup, or one that did not finish")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise BackupError(f"{path}: format {data.get('format')!r}, this code reads format {FORMAT}")
        summary = {key: data[key] for key in ("schema_revision", "tables", "ledger", "likes")}
        files = list(data["files"])
        return Manifest(data["engine"], data["database_file"], summary, files, data["created_at"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"{path} is not a readable manifest: {exc!r}") from None


def verify_files(root: Path, manifest: Manifest) -> None:
    """Every listed file is there with its size and SHA-256, before anything is restored."""
    for entry in manifest.files:
        path = root / entry["path"]
        if not path.is_file():
            raise BackupError(f"{entry['path']} is listed in the manifest but missing from {root}")
        found = file_entry(root, path)
        if found["bytes"] != entry["bytes"] or found["sha256"] != entry["sha256"]:
            raise BackupError(
                f"{entry['path']} is corrupted: {found['bytes']} bytes with SHA-256 {found['sha256']}, "
                f"the manifest says {entry['bytes']} bytes with {entry['sha256']}"
            )
    listed = {entry["path"] for entry in manifest.files}
    if manifest.database_file not in listed:
        raise BackupError(f"the manifest does not list its database file {manifest.database_file}")
    # A file added to the folder after the backup was written is not the backup's (found from outside:
    # an extra photo was restored without a word).
    unlisted = sorted(
        relative
        for path in root.rglob("*")
        if path.is_file()
        and (relative := path.relative_to(root).as_posix()) != MANIFEST
        and relative not in listed
    )
    if unlisted:
        shown = ", ".join(unlisted[:5]) + (f" and {len(unlisted) - 5} more" if len(unlisted) > 5 else "")
        raise BackupError(
            f"{root} holds files its manifest does not list: {shown}. A backup is restored only as it was "
            "written: remove them, or restore from the backup's own copy"
        )


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """What the restored database holds that the manifest does not say (empty when they agree)."""
    problems = []
    for table in sorted(set(expected["tables"]) | set(found["tables"])):
        want, got = expected["tables"].get(table), found["tables"].get(table)
        if want != got:
            problems.append(f"table {table}: {got} rows, the manifest says {want}")
    for key in ("ledger", "likes", "schema_revision"):
        if expected[key] != found[key]:
            problems.append(f"{key}: {found[key]}, the manifest says {expected[key]}")
    return problems
