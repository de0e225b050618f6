"""Refusing to serve from a database whose schema is older than this code: a 503 that says to migrate.

Checked per request rather than at start-up: the server keeps answering its liveness and readiness checks
(which name the problem), a database migrated or restored under a running server is noticed without a
restart, and `flask --app wsgi init-db`, the worker and the tests build the same app without tripping it.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy.engine import Engine

from app.database.engines import separate_engine
from app.database.schema_state import MIGRATE_COMMAND, schema_state
from app.errors import wants_json
from app.extensions import db

# A schema found at head is looked at again after this many seconds (a backup restored under a running
# server); one found behind is looked at on every request, so serving resumes as soon as it is migrated.
RECHECK_SECONDS = 30.0
EXTENSION = "commonfix_schema_gate"
# Routes that answer without the app's tables: the checks, static files.
UNGATED = frozenset({"api.health", "api.health_ready", "static"})
MESSAGE = (
    "This version of Commonfix needs its database upgraded first, so nothing can be shown or saved. "
    f"The site's operator must run `{MIGRATE_COMMAND}`."
)
# What residents read on the page: no shell command (found from outside); the log and the API say it.
PAGE_MESSAGE = (
    "This version of the site needs its database upgraded first, so nothing can be shown or saved "
    "for a few minutes. Please try again shortly."
)


class SchemaGate:
    """Whether this process last found the schema at head, and when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.engine: Engine | None = None  # made at the first look (no connection while the app is built)
        self.checked_at: float | None = None  # monotonic time of the last check that found it at head
        self.warned = False  # said once in the log since the schema was last found behind

    def migrated(self, app: Flask) -> bool:
        with self.lock:
            fresh = self.checked_at is not None and time.monotonic() - self.checked_at < RECHECK_SECONDS
        if fresh:
            return True
        with self.lock:
            if self.engine is None:
                self.engine = separate_engine(app, db.engine)
            engine = self.engine
        with engine.connect() as connection:
            state = schema_state(connection, app.extensions["migrate"].directory)
        with self.lock:
            if state.behind:
                if not self.warned:
                    app.logger.warning("Answering 503: the database's schema is %s", state.describe())
                self.checked_at, self.warned = None, True
                return False
            self.checked_at, self.warned = time.monotonic(), False
        return True


def register_schema_gate(app: Flask) -> None:
    app.extensions[EXTENSION] = gate = SchemaGate()

    @app.before_request
    def refuse_unmigrated_database() -> Response | None:
        if request.endpoint is None or request.endpoint in UNGATED or gate.migrated(app):
            return None
        return not_migrated_response()


def not_migrated_response() -> Response:
    """503 in the API's error JSON, or a page that, like the outage page, needs nothing from the database."""
    if wants_json():
        response = jsonify({"error": {"code": "database_not_migrated", "message": MESSAGE, "field": None}})
    else:
        page = current_app.jinja_env.get_template("errors/unavailable.html")
        response = Response(
            page.render(heading=f"{current_app.config['SITE_NAME']} is being upgraded", message=PAGE_MESSAGE)
        )
    response.status_code = 503
    response.headers["Retry-After"] = "300"
    response.headers["Cache-Control"] = "no-store"
    return response
