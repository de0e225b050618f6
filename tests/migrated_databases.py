"""Databases that `flask init-db` brought to the current schema once per session, copied for each server test.

Every `flask` command starts a Python process that imports the whole app, so running `init-db` once per
backend and copying its result (a file copy for SpatiaLite, `CREATE DATABASE ... TEMPLATE` for PostGIS)
gives each test the same database as its own `init-db` would, without the wait.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg import sql

from tests.browser.live_server import copy_sqlite_file, database_file, flask_command, server_env
from tests.postgis_cluster import PostgisCluster


class MigratedDatabases:
    """Per backend, one database made by `flask init-db`; `new` hands out copies of it."""

    def __init__(self, request: pytest.FixtureRequest, workdir: Path) -> None:
        self.request = request
        self.workdir = workdir
        self.sqlite_template: Path | None = None
        self.postgis_template: str | None = None

    def cluster(self) -> PostgisCluster:
        cluster: PostgisCluster = self.request.getfixturevalue("postgis_cluster")
        return cluster

    def new(self, backend: str, env: dict[str, str], name: str) -> str:
        """Point `env` (from server_env) at a new copy of the migrated `backend` database; returns its URL."""
        if backend == "postgis":
            cluster = self.cluster()
            template = self.postgis_template or self.make_postgis_template(cluster)
            with cluster.connect() as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(template)
                    )
                )
            cluster.databases.append(name)
            url = cluster.url(name)
        else:
            template_file = self.sqlite_template or self.make_sqlite_template()
            copy_sqlite_file(template_file, database_file(env))
            url = env["DATABASE_URL"]
        env["DATABASE_URL"] = url
        return url

    def make_sqlite_template(self) -> Path:
        folder = self.workdir / "spatialite"
        folder.mkdir(parents=True, exist_ok=True)
        env = server_env(folder)
        flask_command(env, "init-db")
        self.sqlite_template = database_file(env)
        return self.sqlite_template

    def make_postgis_template(self, cluster: PostgisCluster) -> str:
        folder = self.workdir / "postgis"
        folder.mkdir(parents=True, exist_ok=True)
        env = server_env(folder)
        name = "migrated_template"
        env["DATABASE_URL"] = cluster.create_database(name)
        flask_command(env, "init-db")  # its process has exited: no session holds the template open
        self.postgis_template = name
        return name
