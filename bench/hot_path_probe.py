"""In-process A/B probe of the hot paths: this thread's CPU per request for the trivial route, the map's
bbox and a like, on a copy of the quick benchmark database of the source tree it runs in.

Run it with the working directory at the tree to measure (a `git archive` of each commit to compare, each
with its own instance/bench/), alternating the trees, e.g.

    cd /tmp/before && .venv/bin/python /path/to/bench/hot_path_probe.py sqlite 3
    cd /tmp/after && .venv/bin/python /path/to/bench/hot_path_probe.py sqlite 3

CPU time is not inflated by waiting for a core, so on a shared machine it compares two builds more
steadily than requests/s under load do; a request's CPU is what bounds its rate when the CPU is busy.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta


def main(backend: str, blocks: int) -> dict[str, object]:
    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    os.environ["RATELIMIT_ENABLED"] = "false"
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Issue, User
    from app.services.accounts import users
    from bench.databases import bench_app, postgis_database, sqlite_database
    from bench.foundation_bench import bbox_url, viewport_for
    from bench.foundation_settings import QUICK

    with contextlib.ExitStack() as stack:
        if backend == "sqlite":
            source = sqlite_database(QUICK.sizes).removeprefix("sqlite:///")
            copy = f"/tmp/hot-path-probe-{os.path.basename(os.getcwd())}.db"  # likes must not touch the cache
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(copy + suffix)
            shutil.copy(source, copy)
            url = "sqlite:///" + copy
        else:
            url, _cluster = stack.enter_context(postgis_database(QUICK.sizes))
        app = bench_app(url)
        with app.app_context():
            session = db.session()
            viewport, _ = viewport_for(session, 200)
            resident = session.scalars(
                select(User).where(User.role == "resident", User.is_blocked.is_(False)).order_by(User.id)
            ).first()
            assert resident is not None
            token = users.issue_token(session, resident, timedelta(hours=1)).token
            issue_ids = list(session.scalars(select(Issue.id).order_by(Issue.id).limit(60)))
            session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        map_url = bbox_url(viewport)
        cpu: dict[str, list[float]] = {"health": [], "bbox": [], "like": []}

        def timed(name: str, request: Callable[[], object]) -> object:
            started = time.thread_time()
            response = request()
            cpu[name].append((time.thread_time() - started) * 1000)
            return response

        for _ in range(2):  # warm-up
            client.get("/api/v1/health")
            client.get(map_url)
        for _ in range(blocks):
            for _ in range(200):
                timed("health", lambda: client.get("/api/v1/health"))
            for _ in range(60):
                timed("bbox", lambda: client.get(map_url))
            for issue_id in issue_ids:
                path = f"/api/v1/issues/{issue_id}/like"
                liked = timed("like", lambda p=path: client.post(p, headers=headers))  # type: ignore[misc]
                assert getattr(liked, "status_code", None) == 200
                client.delete(path, headers=headers)  # the pair is liked afresh in the next block
    result: dict[str, object] = {name: round(statistics.median(v), 4) for name, v in cpu.items()}
    return {**result, "tree": os.getcwd(), "backend": backend, "unit": "ms CPU per request (median)"}


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())  # the tree under test, not the one this file lives in
    print(
        json.dumps(
            main(sys.argv[1] if len(sys.argv) > 1 else "sqlite", int(sys.argv[2]) if len(sys.argv) > 2 else 3)
        )
    )
