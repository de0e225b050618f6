"""`backup` and `restore` refuse clearly, without a traceback and without touching the target: an
unwritable or used folder, a missing backup, another engine's backup, a corrupted file, a target that is
not empty (unless --force, which then replaces it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import User
from config import TestingConfig
from tests import factories
from tests.conftest import Database, create_schema
from tests.ports import free_port
from tests.postgis_cluster import PostgisCluster


def refused(result: Result, *words: str) -> str:
    """A clean refusal: exit 1, click's 'Error: ...' naming `words`, no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: "), result.output
    for word in words:
        assert word in result.output, result.output
    return result.output


def fresh_app(backend: str, tmp_path: Path, request: pytest.FixtureRequest, name: str) -> Flask:
    """An app on a new, empty database of `backend` (no schema) and an empty photo folder."""
    if backend == "postgis":
        cluster: PostgisCluster = request.getfixturevalue("postgis_cluster")
        url = cluster.create_database(f"{name}_{free_port()}")
    else:
        url = f"sqlite:///{tmp_path / f'{name}.db'}"
    return create_app(
        TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / f"{name}-uploads")}
    )


def users_in(app: Flask) -> int:
    with app.app_context():
        count = int(db.session.scalar(select(func.count()).select_from(User)) or 0)
        db.session.remove()
        return count


def close(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def backup_dir(runner: FlaskCliRunner, app: Flask, tmp_path: Path, make_user: Callable[..., User]) -> Path:
    """A backup of the test city with two residents and one photo."""
    make_user()
    make_user()
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "photo-1.jpg").write_bytes(b"\xff\xd8 not really decoded here \xff\xd9")
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    return tmp_path / "backup"


def test_a_backup_goes_into_a_new_folder_only(runner: FlaskCliRunner, backup_dir: Path) -> None:
    before = (backup_dir / "manifest.json").read_bytes()

    refused(runner.invoke(args=["backup", str(backup_dir)]), "not an empty folder")

    assert (backup_dir / "manifest.json").read_bytes() == before


def test_an_unwritable_folder_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    refused(runner.invoke(args=["backup", str(blocker / "backup")]), "cannot write a backup into")


def test_a_missing_or_unfinished_backup_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    refused(runner.invoke(args=["restore", str(tmp_path / "nowhere")]), "is not a folder holding a backup")
    (tmp_path / "unfinished").mkdir()
    refused(runner.invoke(args=["restore", str(tmp_path / "unfinished")]), "holds no manifest.json")


def test_the_manifest_counts_what_the_database_held(app: Flask, backup_dir: Path, database: Database) -> None:
    manifest = json.loads((backup_dir / "manifest.json").read_text())

    assert manifest["engine"] == ("postgresql" if database.backend == "postgis" else "sqlite")
    assert manifest["tables"]["users"] == users_in(app) == 2
    assert manifest["tables"]["areas"] == 3
    assert manifest["ledger"] == {"postings": 0, "lines_sum_cents": 0, "moved_cents": 0, "accounts": {}}
    assert [entry["path"] for entry in manifest["files"]][1:] == ["photos/photo-1.jpg"]
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"])


def test_a_target_that_is_not_empty_is_refused_unless_forced(
    runner: FlaskCliRunner,
    app: Flask,
    backup_dir: Path,
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    target = fresh_app(backend, tmp_path, request, "target")
    target_runner = target.test_cli_runner()
    result = target_runner.invoke(args=["restore", str(backup_dir)])
    assert result.exit_code == 0, result.output
    restored_users = users_in(target)
    with target.app_context():
        factories.new_user(db.session())  # a change made after the restore
        db.session.commit()
        db.session.remove()

    output = refused(
        target_runner.invoke(args=["restore", str(backup_dir)]), "the target is not empty", "--force"
    )
    assert f"users ({restored_users + 1} rows)" in output
    assert users_in(target) == restored_users + 1  # untouched

    forced = target_runner.invoke(args=["restore", "--force", str(backup_dir)])
    assert forced.exit_code == 0, forced.output
    assert users_in(target) == restored_users
    close(target)


def test_the_app_s_own_database_is_not_empty(
    runner: FlaskCliRunner, app: Flask, backup_dir: Path, backend: str
) -> None:
    """The database the tests run on is refused and untouched. On PostgreSQL the first refusal may be
    the other sessions' (a clean CI run met a connection an earlier test of its worker left open; the
    refusal of each reason on its own has its own test: not empty above, in use below)."""
    users = users_in(app)

    output = refused(runner.invoke(args=["restore", str(backup_dir)]))

    if backend == "postgis" and "other connection" in output:
        assert "open to the database" in output
    else:
        assert "the target is not empty" in output
    assert users_in(app) == users


def test_a_backup_of_the_other_engine_is_refused(
    backup_dir: Path, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    other = "spatialite" if backend == "postgis" else "postgis"
    target = fresh_app(other, tmp_path, request, "other")

    output = refused(
        target.test_cli_runner().invoke(args=["restore", str(backup_dir)]), "this is a backup of a"
    )

    assert ("PostgreSQL" if backend == "postgis" else "SQLite") in output.split("database,")[0]
    close(target)


@pytest.mark.parametrize("victim", ["database", "photo"])
def test_a_corrupted_file_is_refused_before_anything_is_restored(
    backup_dir: Path, backend: str, tmp_path: Path, request: pytest.FixtureRequest, victim: str
) -> None:
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    path = backup_dir / (manifest["database_file"] if victim == "database" else "photos/photo-1.jpg")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    target = fresh_app(backend, tmp_path, request, "corrupt")

    output = refused(target.test_cli_runner().invoke(args=["restore", str(backup_dir)]), "is corrupted")

    assert path.relative_to(backup_dir).as_posix() in output
    with target.app_context():
        create_schema(target)  # the target stayed empty: its schema can still be created from scratch
        assert int(db.session.scalar(select(func.count()).select_from(User)) or 0) == 0
        db.session.remove()
    assert not Path(target.config["UPLOAD_FOLDER"]).exists()
    close(target)


def test_a_backup_from_newer_code_is_refused(
    backup_dir: Path, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    manifest_file = backup_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text())
    manifest["schema_revision"] = "f00dfeedbeef"  # a migration this code does not have
    manifest_file.write_text(json.dumps(manifest))
    target = fresh_app(backend, tmp_path, request, "older")
    result = target.test_cli_runner().invoke(args=["restore", str(backup_dir)])

    refused(result, "f00dfeedbeef", "newer version")

    close(target)


def test_a_database_that_cannot_be_read_is_a_clear_error_and_leaves_no_half_backup(
    backend: str, tmp_path: Path
) -> None:
    if backend == "postgis":
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing"  # nobody listens there
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'commonfix.db'}"
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(tmp_path / "up")})

    output = refused(app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")]))

    expected = "reading the database failed" if backend == "postgis" else "there is no SQLite database at"
    assert expected in output
    assert list((tmp_path / "backup").iterdir()) == []  # the next run may use the same folder
    close(app)


def test_a_backup_is_readable_by_its_owner_only(backup_dir: Path) -> None:
    """It holds residents' emails and password hashes: no group or other bits, whatever the umask."""
    entries = [backup_dir, *backup_dir.rglob("*")]
    assert {p.name for p in entries} >= {"backup", "manifest.json", "photos", "photo-1.jpg"}
    assert any(p.name.startswith("database.") for p in entries)
    loose = {str(p.relative_to(backup_dir.parent)): oct(p.stat().st_mode & 0o777) for p in entries}
    assert {name: mode for name, mode in loose.items() if int(mode, 8) & 0o077} == {}


def test_a_restore_is_refused_while_the_site_still_uses_a_postgresql_database(
    runner: FlaskCliRunner, backup_dir: Path, backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Found from outside: `restore --force` under a running site replaced its data while it served on,
    and what was written since the backup was lost without a word. Another session on a PostgreSQL
    database (as the web server's would be) holds the restore back. SQLite has no view of other
    connections; one that holds the file open makes the copy fail with "database is locked"."""
    target = fresh_app(backend, tmp_path, request, "served")
    target_runner = target.test_cli_runner()
    assert target_runner.invoke(args=["restore", str(backup_dir)]).exit_code == 0
    with target.app_context():
        site = db.engine.raw_connection()  # the web server's session, in this process
        site.cursor().execute("BEGIN")
        site.cursor().execute("SELECT count(*) FROM users")
    try:
        attempt = target_runner.invoke(args=["restore", "--force", str(backup_dir)])
    finally:
        site.invalidate()  # closed for good, not returned to the pool
    if backend == "postgis":
        output = refused(attempt, "open to the database: the web server or the worker still runs")
        assert "Stop them, then restore" in output
    else:
        refused(attempt, "database is locked")
    final = target_runner.invoke(args=["restore", "--force", str(backup_dir)])
    assert final.exit_code == 0, final.output
    close(target)
