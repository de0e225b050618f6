"""The readiness check's probes: the database answers, its schema is at this code's head, the job queue's
storage answers. Each says what failed in a fixed phrase: never a URL, a password or a driver's message
(those go to the log)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.database.outages import database_unreachable, outage_summary
from app.database.schema_state import schema_state
from app.extensions import db
from app.jobs.queue import queue_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Probe:
    name: str  # "database", "migrations" or "queue"
    ok: bool
    detail: str


def probe_database(app: Flask) -> list[Probe]:
    """A trivial query, then the schema's revision, on a connection of its own (not the request's)."""
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            state = schema_state(connection, app.extensions["migrate"].directory)
    except DBAPIError as error:
        reason = "unreachable" if database_unreachable(error) else "failed a trivial query"
        log.warning("Readiness: the database %s: %s", reason, outage_summary(error))
        return [
            Probe("database", False, reason),
            Probe("migrations", False, "unknown: no answer from the database"),
        ]
    if not state.at_head:
        log.warning("Readiness: the database's schema is %s", state.describe())
    return [Probe("database", True, "answers"), Probe("migrations", state.at_head, state.describe())]


def probe_queue(app: Flask) -> Probe:
    """Reading the queue's length touches its storage: Redis in production, the embedded SQLite file else."""
    try:
        queue_of(app).pending_count()
    except Exception as error:  # any error of the storage's client library (redis-py, sqlite3)
        log.warning(
            "Readiness: the job queue's storage is unreachable: %s",
            str(error).strip() or type(error).__name__,
        )
        return Probe("queue", False, "unreachable")
    return Probe("queue", True, "answers")


def probe_all(app: Flask) -> list[Probe]:
    return [*probe_database(app), probe_queue(app)]
