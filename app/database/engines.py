"""Engine set-up for the two supported databases: SQLite + SpatiaLite (embedded) and PostgreSQL + PostGIS."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app.configuration_error import ConfigurationError
from app.database.deadlines import ANSWER_GRACE, answer_deadline, postgres_connect_args
from app.private_files import keep_sqlite_private

SPATIALITE_MODULE = "mod_spatialite"


def sqlite_dbapi() -> Any:
    """The sqlite3 module to use: the standard one if it can load extensions, else pysqlite3."""
    import sqlite3

    probe = sqlite3.connect(":memory:")
    try:
        if hasattr(probe, "enable_load_extension"):
            return sqlite3
    finally:
        probe.close()
    from pysqlite3 import dbapi2

    return dbapi2


def is_sqlite(uri: str) -> bool:
    return uri.startswith("sqlite")


def configure_database(app: Flask) -> None:
    """Fill in the default database URI and engine options before Flask-SQLAlchemy starts."""
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri and app.config.get("DATABASE_URL_REQUIRED"):
        raise ConfigurationError(
            "DATABASE_URL must be set in production: postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB "
            "(without it each machine would keep its own SQLite file in the instance folder)"
        )
    if not uri:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        uri = "sqlite:///" + str(Path(app.instance_path) / "commonfix.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = uri
    options: dict[str, Any] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if is_sqlite(uri):
        # GeoAlchemy2 reads the module path from this variable.
        os.environ.setdefault("SPATIALITE_LIBRARY_PATH", SPATIALITE_MODULE)
        options.setdefault("module", sqlite_dbapi())
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", 30)
        connect_args.setdefault("check_same_thread", False)
        options["connect_args"] = connect_args
    else:
        options.setdefault("pool_pre_ping", True)
        connect_args = dict(options.get("connect_args") or {})
        postgres_connect_args(
            connect_args,
            int(app.config.get("DATABASE_CONNECT_TIMEOUT") or 5),
            int(app.config.get("DATABASE_STATEMENT_TIMEOUT") or 0),
        )
        options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def prepare_engine(engine: Engine, statement_timeout: int) -> None:
    """Per-connection set-up: on PostgreSQL the deadline on the server's answers; on SQLite, SpatiaLite
    loading, WAL and busy timeout for concurrent writers."""
    if getattr(engine, "_commonfix_prepared", False):
        return
    engine._commonfix_prepared = True  # type: ignore[attr-defined]  # our own marker: set up an engine once
    if engine.dialect.name != "sqlite":
        answer_deadline(engine, statement_timeout)
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(os.environ.get("SPATIALITE_LIBRARY_PATH", SPATIALITE_MODULE))
        dbapi_conn.enable_load_extension(False)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Opened by now (with its -wal and -shm): the database is its owner's only (app/private_files.py).
        main_file = cursor.execute("PRAGMA database_list").fetchone()[2]
        if main_file:
            keep_sqlite_private(main_file)
        # Checkpoint every ~40 MB of WAL, not SQLite's default ~4 MB: pages written again between
        # checkpoints are copied back once, and a like touches several pages (docs/benchmarks.md); the
        # price is a rarer, longer checkpoint in the request that runs it.
        cursor.execute("PRAGMA wal_autocheckpoint = 10000")
        if cursor.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
            # The default initialisation loads every EPSG code and takes seconds.
            cursor.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
        # Planner statistics, as SQLite advises for long-lived connections: without them it picks a
        # status index for the map's bbox query and the city-wide ranked list, many times slower at city
        # scale (docs/benchmarks.md). Bounded by analysis_limit, so it is quick on later connections.
        # Never worth a wait: while another connection writes, the next new connection does it.
        cursor.execute("PRAGMA busy_timeout = 100")
        try:
            cursor.execute("PRAGMA analysis_limit = 10000")
            cursor.execute("PRAGMA optimize = 0x10002")
        except engine.dialect.dbapi.OperationalError:  # type: ignore[union-attr]  # connected: dbapi is loaded
            pass
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.close()


def separate_engine(app: Flask, engine: Engine, *, hurry: int | None = None) -> Engine:
    """An engine of its own on `engine`'s database, without a pool or the per-connection set-up (SpatiaLite
    is not needed to read a version table): for a look beside the requests, which must neither take one of
    their pooled connections nor run among their statements (where tests count them).

    With `hurry` (seconds), PostgreSQL connections use it as their connect and statement timeouts and
    wait at most a second longer for any answer: a readiness probe must fail within a balancer's patience
    on a frozen server, where the requests' deadline is their statement timeout and its grace."""
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    kept = {name: options[name] for name in ("module", "connect_args") if name in options}
    statement_timeout, grace = int(app.config.get("DATABASE_STATEMENT_TIMEOUT") or 0), ANSWER_GRACE
    if hurry is not None and engine.dialect.name == "postgresql":
        connect_args = dict(kept.get("connect_args") or {})
        connect_args["connect_timeout"] = hurry
        options = re.sub(r"-c\s*statement_timeout=\S+", "", str(connect_args.get("options") or ""))
        connect_args["options"] = f"{options.strip()} -c statement_timeout={hurry * 1000}".strip()
        kept["connect_args"] = connect_args
        statement_timeout, grace = hurry, 1
    separate = create_engine(engine.url, poolclass=NullPool, **kept)
    answer_deadline(separate, statement_timeout, grace)
    return separate


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_read_commit(app: Flask) -> None:
    """A successful read request ends its transaction with COMMIT, not the ROLLBACK of the session's
    close: psycopg forgets its prepared statements on every ROLLBACK (one might undo a PREPARE), so on
    PostgreSQL no read route ever ran prepared, and the map's bbox request was slower for it
    (docs/benchmarks.md).

    A read transaction commits nothing. Failed requests (an error status) still roll back, and streamed
    responses (CSV exports) keep their transaction while they stream. SQLite has nothing to keep, so its
    reads end as they did, without the extra step.
    """
    from flask import Response, request

    from app.extensions import db

    if is_sqlite(app.config["SQLALCHEMY_DATABASE_URI"]):
        return

    @app.after_request
    def commit_reads(response: Response) -> Response:
        if (
            request.method in SAFE_METHODS
            and response.status_code < 400
            and not response.is_streamed
            and db.session.registry.has()  # the request used the database (the health check does not)
            and db.session().in_transaction()
        ):
            db.session.commit()
        return response
