"""The tally jobs: running a background tally, and the sweep that enqueues stalled ones again."""

from __future__ import annotations

from flask import Flask, current_app

from app.extensions import db
from app.jobs.queue import job
from app.tally_runner import RUN_JOB, lease_seconds, requeue_stalled, run_job


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


@job(RUN_JOB, retries=3, retry_delay=10)
def run_tally(job_id: int) -> None:
    """One attempt at tally job `job_id` (a second copy of it finds the lease held and stops)."""
    run_job(db.session, job_id, lease_seconds(_app()))


@job("tally.sweep", every_minutes=1, retries=0)
def sweep_tallies() -> None:
    """Tally jobs whose worker died (lease lapsed) or that never reached one go back on the queue."""
    requeue_stalled(_app(), db.session)
