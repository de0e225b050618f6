"""A throwaway PostgreSQL + PostGIS cluster for the tests: initdb into a temp dir, a free loopback port.

The cluster itself (finding the binaries, running as an unprivileged user under root) is
ops/postgres_cluster.py, which the production profile uses too; this module keeps the tests' names.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ops.postgres_cluster import (
    SUPERUSER,
    ClusterUnavailable,
    PostgisCluster,
    find_bin_dir,
    has_postgis,
    service_account,
    unavailable_reason,
)
from tests.ports import free_port

__all__ = [
    "SUPERUSER",
    "ClusterUnavailable",
    "PostgisCluster",
    "find_bin_dir",
    "free_port",
    "has_postgis",
    "running_cluster",
    "service_account",
    "unavailable_reason",
]


def start_on_free_port(cluster: PostgisCluster, attempts: int = 3) -> None:
    """Start on a port of this worker's block (tests/ports.py); another process may take it first: retry."""
    for attempt in range(attempts):
        try:
            cluster.start(port=free_port())
            return
        except ClusterUnavailable:
            if attempt == attempts - 1:
                raise


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgisCluster]:
    """A started cluster, stopped and deleted on exit (and at interpreter exit, should exit be skipped)."""
    reason = unavailable_reason()
    if reason is not None:
        raise ClusterUnavailable(reason)
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    root = Path(tempfile.mkdtemp(prefix="commonfix-postgis-"))
    cluster = PostgisCluster(bin_dir=bin_dir, root=root, account=service_account())

    def cleanup() -> None:
        with contextlib.suppress(Exception):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(cleanup)
    try:
        cluster.initdb()
        start_on_free_port(cluster)
        yield cluster
    finally:
        cleanup()
        atexit.unregister(cleanup)
