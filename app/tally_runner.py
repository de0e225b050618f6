"""Starts tallies for the views and runs tally jobs outside the request: on a daemon thread or in-process."""

from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask
from sqlalchemy import update

from app.database.sessions import DbSession
from app.extensions import db
from app.models import TallyJob, User
from app.models.rounds import JobStatus
from app.models.timestamps import utcnow
from app.services.kernel.errors import DomainError
from app.services.rounds import tally
from app.services.rounds.jobs import TallyStart, begin_tally, get_job, progress_percent


def _set_job(session: DbSession, job_id: int, **values: object) -> None:
    session.execute(update(TallyJob).where(TallyJob.id == job_id).values(**values))
    session.commit()


def run_job(
    session: DbSession, job_id: int, on_progress: Callable[[int, str], None] | None = None
) -> tally.TallySummary | None:
    """Run a claimed job to the end; progress is committed as it goes. Returns None if it failed."""
    job = get_job(session, job_id)
    round_id, token, actor_id = job.round_id, job.token, job.created_by_id
    _set_job(session, job_id, status=JobStatus.RUNNING.value, stage="Starting")
    shown = {"percent": -1}

    def report(stage: str, done: int, total: int, message: str) -> None:
        percent = progress_percent(stage, done, total)
        if percent != shown["percent"]:
            shown["percent"] = percent
            _set_job(session, job_id, progress=percent, stage=message[:200])
            if on_progress is not None:
                on_progress(percent, message)

    try:
        actor = session.get(User, actor_id) if actor_id is not None else None
        if actor is None:
            raise DomainError("The account that started this tally no longer exists.")
        summary = tally.tally_in_stages(session, actor, round_id, token, report)
        session.commit()
    except Exception as exc:  # any failure must free the round and show on the job
        session.rollback()
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        tally.release(session, round_id, token)
        _set_job(session, job_id, status=JobStatus.FAILED.value, error=message[:2000], finished_at=utcnow())
        if on_progress is not None:
            on_progress(shown["percent"], f"Failed: {message}")
        return None
    _set_job(session, job_id, status=JobStatus.DONE.value, progress=100, stage="Done", finished_at=utcnow())
    if on_progress is not None:
        on_progress(100, "Done")
    return summary


def run_in_thread(app: Flask, job_id: int) -> threading.Thread:
    """Start the job on a daemon thread with its own app context and session."""

    def work() -> None:
        with app.app_context():
            try:
                run_job(db.session, job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work, name=f"tally-job-{job_id}", daemon=True)
    thread.start()
    return thread


def start_tally(app: Flask, session: DbSession, actor: User, round_id: int) -> TallyStart:
    """The one way views start a tally: now, or as a job on a thread; commits either way.

    The job's thread opens its own session, so the claim must be committed before it starts.
    """
    started = begin_tally(session, actor, round_id, int(app.config["TALLY_SYNC_MAX_BALLOTS"]))
    session.commit()
    if started.job is not None:
        run_in_thread(app, started.job.id)
    return started
