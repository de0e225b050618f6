"""The benchmark databases: SQLite + SpatiaLite files and a PostGIS cluster, built once and cached.

Both live under instance/bench/ (gitignored), keyed by a hash of everything that shapes their content
(migrations, models, the demo loader and its city, the sizes), so a schema change rebuilds them and
nothing else does. A build that did not finish leaves no READY marker and is redone from scratch.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from config import ProductionConfig
from tests.postgis_cluster import (
    ClusterUnavailable,
    PostgisCluster,
    find_bin_dir,
    service_account,
    unavailable_reason,
)

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "instance" / "bench"
SECRET_KEY = "bench-only-not-secret-Q7xW2kLm9PzR4vT8"  # production starts only with a long key
PG_DATABASE = "commonfix_bench"
# Whatever changes the schema or the loaded rows changes the key.
KEY_SOURCES = (
    "migrations/versions",
    "app/demo",
    "app/database/engines.py",
    "app/services/issues/places.py",
    "app/shapes.py",
)


@dataclass(frozen=True)
class Sizes:
    issues: int
    residents: int
    likes: int

    @property
    def label(self) -> str:
        return f"{self.issues}i-{self.residents}r-{self.likes}l"


# Loads a migrated, empty database at `url` with a city of `sizes`; returns the seconds it took.
Loader = Callable[[str, Sizes], float]


def schema_key(sizes: Sizes, extra_sources: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha256(sizes.label.encode())
    for source in KEY_SOURCES + extra_sources:
        root = REPO / source
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    return f"{sizes.label}-{digest.hexdigest()[:12]}"


def drop_stale(current: Path) -> None:
    """Earlier builds for the same sizes (an older schema) only take disk space: remove those not in use."""
    prefix = current.name.rsplit("-", 1)[0] + "-"
    for sibling in CACHE.glob(prefix + "*"):
        if sibling != current and sibling.is_dir():
            with contextlib.suppress(BlockingIOError), exclusive(sibling.name, wait=False):
                shutil.rmtree(sibling, ignore_errors=True)


@contextlib.contextmanager
def exclusive(name: str, wait: bool = True) -> Iterator[None]:
    """An inter-process lock under instance/bench/. Other benchmarks (bench/workspace_bench.py) use the
    same databases: one PostGIS cluster can only be started once, and builds must not overlap."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / f".{name}.lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise
            click.echo(f"Waiting for another benchmark to finish with {name} ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def bench_app(database_url: str) -> Flask:
    """The app as production runs it, on the given database, rate limits off, and no statement timeout:
    loading a city of a million problems runs single statements longer than any request may."""
    return create_app(
        ProductionConfig,
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": SECRET_KEY,
            "RATELIMIT_ENABLED": False,
            "DATABASE_STATEMENT_TIMEOUT": 0,
        },
    )


def load_city(database_url: str, sizes: Sizes) -> float:
    """Migrate the empty database and load the demo city at benchmark size; returns seconds taken."""
    from app.demo.seed import seed_demo_city
    from app.extensions import db
    from app.services.issues import places

    started = time.perf_counter()
    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        places.ensure_reference_data(db.session())
        db.session.commit()
        summary = seed_demo_city(
            db.session(),
            issue_count=sizes.issues,
            resident_count=sizes.residents,
            like_budget=sizes.likes,
            progress=click.progressbar,
        )
        db.session.commit()
        click.echo(summary)
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Autovacuum would get there eventually; do it now so every run sees the same statistics.
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
            else:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return time.perf_counter() - started


@dataclass(frozen=True)
class Builder:
    """How a benchmark database is filled: the demo loader (default) or another one, whose own source
    files then key the cache too, under a prefix of its own."""

    load: Loader = load_city
    prefix: str = ""
    sources: tuple[str, ...] = ()


DEMO = Builder()


def sqlite_database(sizes: Sizes, builder: Builder = DEMO) -> str:
    """The SQLAlchemy URL of the cached SpatiaLite database, built first when missing."""
    with exclusive("build"):
        return _sqlite_database(sizes, builder)


def _sqlite_database(sizes: Sizes, builder: Builder) -> str:
    folder = CACHE / f"{builder.prefix}sqlite-{schema_key(sizes, builder.sources)}"
    path = folder / "commonfix.db"
    if not (folder / "READY").exists():
        drop_stale(folder)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        click.echo(f"Building the SpatiaLite benchmark database in {folder} (once) ...")
        seconds = builder.load(f"sqlite:///{path}", sizes)
        (folder / "READY").write_text(f"built in {seconds:.0f} s\n")
        click.echo(f"SpatiaLite database ready in {seconds:.0f} s.")
    return f"sqlite:///{path}"


@contextlib.contextmanager
def postgis_database(sizes: Sizes, builder: Builder = DEMO) -> Iterator[tuple[str, PostgisCluster]]:
    """A running PostGIS cluster holding the cached benchmark database; stopped on exit."""
    reason = unavailable_reason()
    if reason is not None:
        raise ClusterUnavailable(reason)
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    root = CACHE / f"{builder.prefix}postgis-{schema_key(sizes, builder.sources)}"
    ready = root / "READY"
    cluster = PostgisCluster(bin_dir=bin_dir, root=root, account=service_account())
    with exclusive(root.name):  # held while the cluster runs: nobody else may start or delete it
        try:
            with exclusive("build"):
                fresh = not ready.exists()
                if fresh:
                    drop_stale(root)
                    shutil.rmtree(root, ignore_errors=True)
                    root.mkdir(parents=True)
                    cluster.initdb()
                cluster.start()
                if fresh:
                    click.echo(f"Building the PostGIS benchmark database in {root} (once) ...")
                    url = cluster.create_database(PG_DATABASE)
                    seconds = builder.load(url, sizes)
                    ready.write_text(f"built in {seconds:.0f} s\n")
                    click.echo(f"PostGIS database ready in {seconds:.0f} s.")
            yield cluster.url(PG_DATABASE), cluster
        finally:
            cluster.stop()


def server_version(cluster: PostgisCluster) -> dict[str, Any]:
    with cluster.connect(PG_DATABASE) as conn:
        row = conn.execute("SELECT current_setting('server_version'), postgis_lib_version()").fetchone()
    assert row is not None
    return {"postgresql": row[0], "postgis": row[1]}
