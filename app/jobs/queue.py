"""Building the app's Huey from QUEUE_URL, registering the jobs on it, and enqueueing by name."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

from app.configuration_error import ConfigurationError
from app.extensions import db
from app.private_files import keep_sqlite_private

log = logging.getLogger(__name__)

EXTENSION = "commonfix_queue"
QUEUE_NAME = "commonfix"


@dataclass(frozen=True)
class JobSpec:
    """A job as its module declares it; bound to an app's Huey by `init_queue`."""

    name: str
    run: Callable[..., Any]
    retries: int
    retry_delay: int
    every_minutes: int | None  # a periodic job when set (run by the worker's scheduler)


JOBS: dict[str, JobSpec] = {}


def job(
    name: str, *, retries: int = 5, retry_delay: int = 10, every_minutes: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a job. It runs inside an app context with its own database session.

    Huey retries a failed job `retries` times, `retry_delay` seconds apart; a job that wants a
    growing delay raises `huey.exceptions.RetryTask(delay=...)` itself.
    """

    def declare(run: Callable[..., Any]) -> Callable[..., Any]:
        if name in JOBS and JOBS[name].run is not run:
            raise ValueError(f"a job named {name!r} is already declared")
        JOBS[name] = JobSpec(name, run, retries, retry_delay, every_minutes)
        return run

    return declare


def make_huey(url: str | None, instance_path: str) -> Huey:
    """QUEUE_URL: unset -> <instance>/queue.sqlite3; sqlite:///PATH; redis://...; memory:// (in-process)."""
    if not url or url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///")) if url else Path(instance_path) / "queue.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(QUEUE_NAME, filename=str(path))  # makes the file and its tables
        keep_sqlite_private(path)  # the jobs and their results: its owner's only (app/private_files.py)
        return huey
    if url.startswith(("redis://", "rediss://", "unix://")):
        # An unreachable or hung Redis fails an enqueue within seconds (the request goes on, the sweep
        # enqueues later) instead of holding a web thread for the system's TCP timeout (found from
        # outside: a frozen Redis held each status change 10 s); the worker's blocking read waits 1 s.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=3)
        return RedisHuey(QUEUE_NAME, connection_pool=pool)
    if url == "memory://":
        return MemoryHuey(QUEUE_NAME, immediate=True)
    # Only the scheme is repeated: the rest of a Redis URL may hold its password.
    scheme = url.split("://", 1)[0] if "://" in url else ""
    shown = f"a URL starting {scheme + '://'!r}" if scheme else "a value without scheme://"
    raise ConfigurationError(
        f"QUEUE_URL must be sqlite:///PATH, redis://HOST:PORT/DB or memory://, not {shown}"
    )


def _bind(app: Flask, huey: Huey, spec: JobSpec) -> TaskWrapper:
    def in_app(*args: Any) -> Any:
        with app.app_context():
            try:
                return spec.run(*args)
            finally:
                db.session.remove()

    in_app.__name__ = spec.name.replace(".", "_")
    if spec.every_minutes is not None:
        schedule = crontab(minute=f"*/{spec.every_minutes}")
        return huey.periodic_task(
            schedule, retries=spec.retries, retry_delay=spec.retry_delay, name=spec.name
        )(in_app)
    return huey.task(retries=spec.retries, retry_delay=spec.retry_delay, name=spec.name)(in_app)


def init_queue(app: Flask) -> None:
    """Build the app's Huey and bind every declared job to it."""
    huey = make_huey(app.config.get("QUEUE_URL"), app.instance_path)
    tasks = {name: _bind(app, huey, spec) for name, spec in JOBS.items()}
    app.extensions[EXTENSION] = (huey, tasks)


def queue_of(app: Flask) -> Huey:
    huey: Huey = app.extensions[EXTENSION][0]
    return huey


def enqueue(app: Flask, name: str, *args: Any) -> None:
    """Put job `name` on the queue (in memory:// mode it runs now, in this process)."""
    tasks: dict[str, TaskWrapper] = app.extensions[EXTENSION][1]
    tasks[name](*args)


def enqueue_or_leave(app: Flask, name: str, *args: Any) -> bool:
    """Enqueue, or, when the queue cannot be reached (Redis down), log it and leave the work where the
    database holds it for the sweeps to enqueue later. A web request never fails for want of a queue."""
    try:
        enqueue(app, name, *args)
    except Exception:  # the queue's storage is down or refusing: any error of its client library
        log.warning("could not enqueue %s%r; the sweep will enqueue it again", name, args, exc_info=True)
        return False
    return True
