"""`flask --app wsgi worker`: the Huey consumer for this app, the one way every deployment starts it."""

from __future__ import annotations

import logging
import signal

import click
from flask import Flask
from flask.logging import default_handler
from huey.consumer import Consumer
from sqlalchemy.exc import SQLAlchemyError

from app.database.schema_state import schema_state
from app.extensions import db
from app.jobs.outage_log import quiet_outages
from app.jobs.queue import queue_of
from app.jobs.routine_log import quiet_routine_sweeps
from app.mail import mail_destination

log = logging.getLogger(__name__)

READY_LINE = "Commonfix worker ready: Ctrl-C or SIGTERM stops it after the jobs in hand"


def warn_of_an_old_schema(app: Flask) -> None:
    """Say once, at start, that the database is not at this code's schema (the web answers 503 naming
    init-db meanwhile; the jobs would fail with tracebacks that do not say why). Unreachable: the jobs
    say so themselves."""
    try:
        with app.app_context(), db.engine.connect() as connection:
            state = schema_state(connection, app.extensions["migrate"].directory)
    except SQLAlchemyError:
        return
    if not state.at_head:
        log.warning("the database's schema is %s (its jobs may fail meanwhile)", state.describe())


class GracefulConsumer(Consumer):
    """Huey's consumer, stopping gracefully on SIGTERM as on Ctrl-C (SIGINT): it takes no new job
    and lets the running ones finish. systemd, Docker and Kubernetes stop a service with SIGTERM,
    which Huey takes as "stop at once" by default: a tally or mail batch in hand was cut off (the
    sweeps redo it, later). A second signal still stops it at once."""

    def _set_signal_handlers(self) -> None:
        self._signal_actions[signal.SIGTERM] = (False, True)  # (restart, graceful), as Huey's SIGINT
        super()._set_signal_handlers()
        # Huey sets its handlers last, after its own "started" lines: until this line a stop signal
        # ends the process at once. Process managers and the tests wait for it.
        log.info(READY_LINE)


def register_worker_command(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=2,
        show_default=True,
        help="Jobs run at the same time (threads, at least 1).",
    )
    @click.option(
        "--scheduler/--no-scheduler",
        default=True,
        show_default=True,
        help="Also run the periodic jobs; exactly one worker of a deployment should.",
    )
    def worker(workers: int, scheduler: bool) -> None:
        """Run queued jobs (tallies, mail, sweeps) until stopped with Ctrl-C or SIGTERM."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        # One line per record, in that format: Flask's own handler on the app's logger printed every
        # line of our modules (a mail written, a warning) a second time, in its format.
        app.logger.removeHandler(default_handler)
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)  # reading the revision
        quiet_outages()
        quiet_routine_sweeps()
        huey = queue_of(app)
        queue = type(huey.storage).__name__
        click.echo(f"Commonfix worker: {workers} thread(s), queue {queue}, mail {mail_destination(app)}")
        warn_of_an_old_schema(app)
        # An idle consumer polls an embedded (SQLite) queue with a growing delay; capped at 1 s so a job
        # waits at most about a second (Redis wakes a worker at once).
        GracefulConsumer(huey, workers=workers, periodic=scheduler, worker_type="thread", max_delay=1.0).run()
