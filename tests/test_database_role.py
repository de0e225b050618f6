"""The production profile's app role (ops/database_role.py), on a real migrated PostGIS database: the app
does its work through it (accounts, pledges posted to the ledger, a backup), while the database refuses
it a superuser's powers, schema changes and any change to the ledger's rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from psycopg import errors, sql
from sqlalchemy import select

from app import create_app
from app.database.snapshots import dump_postgres
from app.extensions import db
from app.models import Area
from config import TestingConfig
from ops.database_role import APP_ROLE, app_url, ensure_app_role, grant_app_privileges
from tests import factories
from tests.funding_fixtures import Funding
from tests.migrated_databases import MigratedDatabases
from tests.ports import free_port
from tests.postgis_cluster import PostgisCluster

pytestmark = pytest.mark.postgis

PASSWORD = "app-role-password"
LEDGER = ("ledger_chain", "ledger_lines", "ledger_postings")


@dataclass
class Granted:
    cluster: PostgisCluster
    name: str
    tables: list[str]
    append_only: list[str]

    def superuser(self) -> psycopg.Connection[tuple[object, ...]]:
        return self.cluster.connect(self.name)

    def as_app(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.cluster.port, user=APP_ROLE, password=PASSWORD, dbname=self.name,
            autocommit=True,
        )  # fmt: skip

    @property
    def url(self) -> str:
        return app_url(self.cluster.port, PASSWORD, self.name)


@pytest.fixture
def granted(migrated_databases: MigratedDatabases, postgis_cluster: PostgisCluster) -> Granted:
    """A fresh copy of the migrated database, its tables owned by the superuser (as `init-db` run by
    the profile leaves them), granted to the app role."""
    name = f"app_role_{free_port()}"
    migrated_databases.new("postgis", {}, name)
    with postgis_cluster.connect(name) as conn:
        ensure_app_role(conn, PASSWORD)
        tables, append_only = grant_app_privileges(conn, name)
    return Granted(postgis_cluster, name, tables, append_only)


@pytest.fixture
def app_as_role(granted: Granted, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        TestingConfig,
        {"SQLALCHEMY_DATABASE_URI": granted.url, "UPLOAD_FOLDER": str(tmp_path / "uploads")},
    )
    with app.app_context():
        factories.load_city(db.session())
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_grants_cover_the_app_tables_and_keep_the_ledger_append_only(granted: Granted) -> None:
    assert {"users", "issues", "pledges", "alembic_version", *LEDGER} <= set(granted.tables)
    assert "spatial_ref_sys" not in granted.tables  # PostGIS's own
    assert sorted(granted.append_only) == sorted(LEDGER)


def test_the_app_does_its_work_as_the_role(app_as_role: Flask, granted: Granted) -> None:
    with app_as_role.app_context():
        city = {name: area_id for area_id, name in db.session.execute(select(Area.id, Area.name)).tuples()}
    funding = Funding(app_as_role, city)
    ref = funding.group()
    member = funding.member(ref)
    funding.pledge(ref, member, 2_500)
    pledges, postings, lines = funding.counts()
    assert (pledges, postings > 0, lines >= 2) == (1, True, True)
    assert funding.balance(ref).confirmed_cents == 2_500
    with granted.as_app() as conn:
        row = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        assert row.fetchone() == (False, False, False)


def test_the_role_takes_a_backup(granted: Granted, tmp_path: Path) -> None:
    target = tmp_path / "database.dump"
    dump_postgres(granted.url, target, None)  # pg_dump as the role reads every table and sequence
    assert target.stat().st_size > 10_000


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_postings SET id = id",
        "DELETE FROM ledger_lines",
        "TRUNCATE ledger_chain",
        "ALTER TABLE ledger_postings DISABLE TRIGGER ALL",
        "DROP TRIGGER ledger_postings_no_update ON ledger_postings",
        "DROP TABLE users",
        "CREATE TABLE planted (id integer)",
        "ALTER TABLE users ADD COLUMN planted integer",
        "DELETE FROM spatial_ref_sys",
        "SELECT pg_read_file('/etc/passwd')",
        "COPY (SELECT 1) TO PROGRAM 'true'",
        "CREATE ROLE planted LOGIN SUPERUSER",
        "CREATE DATABASE planted",
        "ALTER ROLE commonfix_app SUPERUSER",
    ],
)
def test_the_database_refuses_the_role(granted: Granted, statement: str) -> None:
    with granted.as_app() as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(statement)  # type: ignore[call-overload]


def test_granting_again_takes_back_what_an_earlier_hand_gave_and_covers_new_tables(granted: Granted) -> None:
    with granted.superuser() as conn:
        conn.execute(
            sql.SQL("GRANT UPDATE, DELETE, TRUNCATE ON ledger_lines TO {}").format(sql.Identifier(APP_ROLE))
        )
        conn.execute("CREATE TABLE added_by_a_migration (id serial PRIMARY KEY, note text)")
        assert not ensure_app_role(conn, PASSWORD)  # there already: its password set again
        tables, _ = grant_app_privileges(conn, granted.name)
    assert "added_by_a_migration" in tables
    with granted.as_app() as conn:
        conn.execute("INSERT INTO added_by_a_migration (note) VALUES ('ok')")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("TRUNCATE ledger_lines")
