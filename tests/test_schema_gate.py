"""A database whose schema is older than the code is refused with a 503 that says to migrate, per request:
real databases of both backends, migrated to one revision short of head, then brought to it by init-db."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import text

from app import create_app, schema_gate
from app.database.schema_state import MIGRATE_COMMAND
from app.extensions import db
from config import TestingConfig
from tests.api_contract import ContractClient
from tests.postgis_cluster import PostgisCluster


@pytest.fixture
def fresh_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of `backend`, this test's own."""
    if backend == "postgis":
        cluster: PostgisCluster = request.getfixturevalue("postgis_cluster")
        return cluster.create_database(f"behind_{uuid.uuid4().hex[:12]}")
    return "sqlite:///" + str(tmp_path / "behind.db")


@pytest.fixture
def behind(fresh_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on a database migrated to the revision before this code's head: an upgrade not yet run."""
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": fresh_url,
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        },
    )
    app.test_client_class = ContractClient
    with app.app_context():
        flask_migrate.upgrade(revision="head-1")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_database_behind_the_code_is_refused_until_migrated(behind: Flask) -> None:
    client = behind.test_client()
    page = client.get("/", headers={"Accept": "text/html"})
    api = client.get("/api/v1/issues")
    ready = client.get("/api/v1/health/ready")

    assert page.status_code == 503
    shown = page.get_data(as_text=True)
    assert "Commonfix is being upgraded" in shown
    assert "Please try again shortly." in shown
    assert MIGRATE_COMMAND not in shown  # residents read no shell command; the log and the API do
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "database_not_migrated"
    assert f"`{MIGRATE_COMMAND}`" in api.get_json()["error"]["message"]

    assert ready.status_code == 503
    checks = ready.get_json()["checks"]
    assert ready.get_json()["status"] == "not_ready"
    assert checks["database"] == {"ok": True, "detail": "answers"}
    assert checks["migrations"]["ok"] is False
    assert checks["migrations"]["detail"].startswith("behind: the database is at revision")
    assert MIGRATE_COMMAND in checks["migrations"]["detail"]
    assert client.get("/api/v1/health").status_code == 200  # alive, only not ready

    # The migration command itself runs on the unmigrated database, and the running app serves at once.
    result = behind.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/health/ready").status_code == 200
    assert client.get("/api/v1/issues").status_code == 200
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200


def test_a_database_never_migrated_is_refused_too(fresh_url: str, tmp_path: Path) -> None:
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": fresh_url})
    app.test_client_class = ContractClient
    client = app.test_client()
    try:
        api = client.get("/api/v1/categories")
        assert api.status_code == 503
        assert api.get_json()["error"]["code"] == "database_not_migrated"
        checks = client.get("/api/v1/health/ready").get_json()["checks"]
        assert checks["migrations"] == {
            "ok": False,
            "detail": checks["migrations"]["detail"],
        }
        assert "never migrated" in checks["migrations"]["detail"]
    finally:
        with app.app_context():
            db.engine.dispose()


def test_schema_checked_again_after_a_restore_of_an_older_schema(app: Flask) -> None:
    """A database put back to an older revision under a running server is refused at the gate's next look."""
    older = ScriptDirectory(app.extensions["migrate"].directory).get_revision("head").down_revision
    client = app.test_client()
    assert client.get("/api/v1/categories").status_code == 200
    with app.app_context():
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        db.session.execute(text("UPDATE alembic_version SET version_num = :older"), {"older": older})
        db.session.commit()
    try:
        app.extensions[schema_gate.EXTENSION].checked_at -= schema_gate.RECHECK_SECONDS
        assert client.get("/api/v1/categories").status_code == 503
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
            db.session.commit()
    assert client.get("/api/v1/categories").status_code == 200
