"""Starts tallies for the views and runs tally jobs (on the job queue's worker, or in-process for the CLI).

Each run of a job is an attempt: it takes the round over with a fresh token and a lease
(app/services/rounds/lease.py), renews the lease with every progress report it commits, and posts
the allocation, the results and the job's "done" in one transaction. An attempt that finds a live
lease, a finished job or a lost round does nothing, so running a job twice is harmless.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy import update

from app.database.sessions import DbSession
from app.jobs.queue import enqueue_or_leave
from app.models import TallyJob, User
from app.models.rounds import JobStatus
from app.models.timestamps import utcnow
from app.services.kernel.errors import DomainError
from app.services.rounds import lease, tally
from app.services.rounds.jobs import TallyStart, begin_tally, get_job, new_token, progress_percent

RUN_JOB = "tally.run"


class LeaseLost(Exception):
    """Another attempt took the round over (this one stopped renewing in time): stop, touch nothing."""


def _set_job(session: DbSession, job_id: int, token: str, **values: object) -> None:
    """Write the job's row while this attempt still owns it (its token); the caller commits."""
    session.execute(
        update(TallyJob)
        .where(TallyJob.id == job_id, TallyJob.token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def lease_seconds(app: Flask) -> int:
    return int(app.config["TALLY_LEASE_SECONDS"])


def run_job(
    session: DbSession,
    job_id: int,
    lease_for: int,
    on_progress: Callable[[int, str], None] | None = None,
) -> tally.TallySummary | None:
    """One attempt at a job, to the end; progress is committed as it goes. None if it failed or if
    there was nothing for this attempt to do (finished, lost, or held by a live attempt)."""
    job = get_job(session, job_id)
    if job.status not in lease.UNFINISHED:
        return None
    round_id, held, actor_id = job.round_id, job.token, job.created_by_id
    session.rollback()  # end the read: the takeover's UPDATE comes first in its transaction
    token = new_token()
    if not lease.take_over(session, job_id, round_id, held, token, lease_for):
        session.rollback()
        return None
    session.commit()
    shown = {"percent": -1, "renewed": time.monotonic()}

    def report(stage: str, done: int, total: int, message: str) -> None:
        percent = progress_percent(stage, done, total)
        due = time.monotonic() - shown["renewed"] >= lease_for / 3
        if percent == shown["percent"] and not due and stage != "posting":
            return
        session.commit()  # end the reads first: on SQLite a write after them could fail to upgrade
        if not lease.renew(session, round_id, token, lease_for):
            raise LeaseLost
        _set_job(session, job_id, token, progress=percent, stage=message[:200])
        session.commit()
        shown["percent"], shown["renewed"] = percent, time.monotonic()
        if on_progress is not None:
            on_progress(percent, message)

    try:
        actor = session.get(User, actor_id) if actor_id is not None else None
        if actor is None:
            raise DomainError("The account that started this tally no longer exists.")
        summary = tally.tally_in_stages(session, actor, round_id, token, report)
        done = {"status": JobStatus.DONE.value, "progress": 100, "stage": "Done", "finished_at": utcnow()}
        _set_job(session, job_id, token, **done)
        session.commit()
    except LeaseLost:
        session.rollback()
        return None
    except Exception as exc:  # any failure must free the round and show on the job
        session.rollback()
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        tally.release(session, round_id, token)
        failed = {"status": JobStatus.FAILED.value, "error": message[:2000], "finished_at": utcnow()}
        _set_job(session, job_id, token, **failed)
        session.commit()
        if on_progress is not None:
            on_progress(int(shown["percent"]), f"Failed: {message}")
        return None
    if on_progress is not None:
        on_progress(100, "Done")
    return summary


def start_tally(app: Flask, session: DbSession, actor: User, round_id: int) -> TallyStart:
    """The one way views start a tally: now, or as a job on the queue; commits either way.

    The worker opens its own session, so the claim is committed before the job is enqueued. When the
    queue cannot be reached the job stays queued in the database and the sweep enqueues it later.
    """
    started = begin_tally(session, actor, round_id, int(app.config["TALLY_SYNC_MAX_BALLOTS"]))
    session.commit()
    if started.job is not None:
        enqueue_or_leave(app, RUN_JOB, started.job.id)
    return started


def requeue_stalled(app: Flask, session: DbSession) -> list[int]:
    """The sweep: enqueue again every job whose attempt died or that never reached a worker."""
    stalled = lease.stalled_jobs(session, lease_seconds(app))
    session.rollback()
    for job_id in stalled:
        enqueue_or_leave(app, RUN_JOB, job_id)
    return stalled
