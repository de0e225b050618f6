"""Empty databases for one benchmark run: a SQLite + SpatiaLite file and, unless quick, a PostGIS database.

Unlike bench/databases.py (cached, demo-loaded databases), these start empty and are gone after the run.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def scratch_databases(name: str, quick: bool) -> Iterator[list[tuple[str, str]]]:
    """[(backend label, URL)]: SQLite always; PostGIS too unless `quick` or it is unavailable (said)."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        found = [("SQLite + SpatiaLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        if quick:
            yield found
            return
        from tests.postgis_cluster import running_cluster, unavailable_reason

        if unavailable_reason() is not None:
            print(f"PostGIS skipped: {unavailable_reason()}")
            yield found
            return
        with running_cluster() as cluster:
            yield [*found, ("PostgreSQL + PostGIS", cluster.create_database(name.replace("-", "_")))]
