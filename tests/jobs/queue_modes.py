"""The app on a real queue storage (an embedded SqliteHuey file, or the Redis server), drained in-process.

`queue_url` is parametrized over both modes and sets QUEUE_URL (and TALLY_SYNC_MAX_BALLOTS=1) on the
`app` fixture's app, if it is set up first: a module overrides `app` to request it before the shared
`app` (see tests/jobs/test_tally_queue.py).
`drain` runs what the queue holds the way a worker does: dequeue a task, execute it, until none is left.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app.jobs.queue import queue_of
from tests.redis_server import RedisServer

MODES = ("embedded SQLite queue", "Redis queue")
REDIS_DB = 5


@pytest.fixture(params=MODES)
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "Redis queue":
        server: RedisServer = request.getfixturevalue("redis_server")
        url = server.url(REDIS_DB)
    else:
        url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    request.node.add_marker(pytest.mark.config(QUEUE_URL=url, TALLY_SYNC_MAX_BALLOTS=1))
    return url


def drain(app: Flask, limit: int = 100) -> list[str]:
    """Run every task on the app's queue (and those they enqueue); the names of the tasks run."""
    huey = queue_of(app)
    ran: list[str] = []
    while len(ran) < limit and (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name)
    return ran
