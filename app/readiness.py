"""The readiness check's probes: the database answers, its schema is at this code's head, the job queue's
storage answers, a photo can be saved. Each says what failed in a fixed phrase: never a URL, a password
or a driver's message (those go to the log)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import redis
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from app.database.engines import separate_engine
from app.database.outages import database_unreachable, outage_summary
from app.database.schema_state import schema_state
from app.extensions import db
from app.jobs.queue import queue_of
from app.photo_stores import photo_store

log = logging.getLogger(__name__)
# A load balancer waits a few seconds at most: a Redis that accepts connections but does not answer
# (paused, overloaded) fails the probe in this time, not the queue's own 3 s.
QUEUE_PROBE_TIMEOUT_S = 2.0
# Likewise the database: its connect and statement timeouts, a second more for any answer (a frozen
# server fails the probe in about this, not in the requests' 15 s statement timeout and its grace).
DATABASE_PROBE_S = 2


class _ProblemLog:
    """Log a probe's problem once, when it starts or changes, and once when it is over: a balancer probes
    every few seconds, and a line per probe would bury the log."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, str] = {}

    def problem(self, probe: str, line: str) -> None:
        with self._lock:
            if self._current.get(probe) == line:
                return
            self._current[probe] = line
        log.warning("Readiness: %s", line)

    def fine(self, probe: str) -> None:
        with self._lock:
            if self._current.pop(probe, None) is None:
                return
        log.warning("Readiness: the %s is ready again", probe)


def _problems(app: Flask) -> _ProblemLog:
    """The app's own problem log (one per process's app)."""
    found = app.extensions.get("readiness_problems")
    if found is None:
        found = app.extensions["readiness_problems"] = _ProblemLog()
    return found


@dataclass(frozen=True)
class Probe:
    name: str  # "database", "migrations", "queue" or "photos"
    ok: bool
    detail: str


def _probe_engine(app: Flask) -> Engine:
    """The probe's own engine (one per app): a new connection each time, never a pooled one, whose
    check before use would wait out the requests' answer deadline on a frozen server."""
    found = app.extensions.get("readiness_engine")
    if found is None:
        found = app.extensions["readiness_engine"] = separate_engine(app, db.engine, hurry=DATABASE_PROBE_S)
    return found


def probe_database(app: Flask) -> list[Probe]:
    """A trivial query, then the schema's revision, on a connection of its own (not the request's)."""
    try:
        with _probe_engine(app).connect() as connection:
            connection.execute(text("SELECT 1"))
            state = schema_state(connection, app.extensions["migrate"].directory)
    except DBAPIError as error:
        reason = "unreachable" if database_unreachable(error) else "failed a trivial query"
        said = "is unreachable" if reason == "unreachable" else "failed a trivial query"
        _problems(app).problem("database", f"the database {said}: {outage_summary(error)}")
        return [
            Probe("database", False, reason),
            Probe("migrations", False, "unknown: no answer from the database"),
        ]
    if state.at_head:
        _problems(app).fine("database")
    else:
        _problems(app).problem("database", f"the database's schema is {state.describe()}")
    return [Probe("database", True, "answers"), Probe("migrations", state.at_head, state.describe())]


def probe_queue(app: Flask) -> Probe:
    """The queue's storage answers: Redis (a PING on a connection of its own, with a short timeout) in
    production, else reading the embedded SQLite file's queue length."""
    url = str(app.config.get("QUEUE_URL") or "")
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            client = redis.Redis.from_url(
                url, socket_connect_timeout=QUEUE_PROBE_TIMEOUT_S, socket_timeout=QUEUE_PROBE_TIMEOUT_S
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            queue_of(app).pending_count()
    except Exception as error:  # any error of the storage's client library (redis-py, sqlite3)
        why = str(error).strip() or type(error).__name__
        _problems(app).problem("job queue", f"the job queue's storage is unreachable: {why}")
        return Probe("queue", False, "unreachable")
    _problems(app).fine("job queue")
    return Probe("queue", True, "answers")


def probe_photos(app: Flask) -> Probe:
    """A photo can be saved: the store's folder takes a file."""
    with app.app_context():
        problem = photo_store().writable_problem()
    if problem is not None:
        _problems(app).problem("photo store", f"photos cannot be saved: {problem}")
        return Probe("photos", False, "not writable")
    _problems(app).fine("photo store")
    return Probe("photos", True, "writable")


def probe_all(app: Flask) -> list[Probe]:
    return [*probe_database(app), probe_queue(app), probe_photos(app)]
