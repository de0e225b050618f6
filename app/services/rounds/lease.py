"""Tally leases: a round's claim that expires unless its tally renews it, taken over once it lapses.

A round is held by the tally whose token is in `Round.tally_token`. A job's claim starts without an
expiry (`tally_lease_expires_at` NULL: queued, no worker yet); each attempt at the job takes the round
with a fresh token and a lease, renews it with every progress report (the heartbeat) and loses it when
it stops renewing: the next attempt (the sweep enqueues the job again) takes the round over with a
conditional UPDATE, written first like the claim. Only the holder's posting transaction can move the
round to tallied (`hold`), so however attempts overlap, one allocation is posted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Round, TallyJob
from app.models.rounds import JobStatus, Phase
from app.models.timestamps import utcnow
from app.services.kernel.errors import Conflict

# A claimed round is still in the phase its tally closes; a tallied one is no longer held.
TALLYING_PHASES = (Phase.VOTING.value, Phase.PLEDGING.value)
UNFINISHED = (JobStatus.QUEUED.value, JobStatus.RUNNING.value)


def lease_until(seconds: int, now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(seconds=seconds)


def take_over(
    session: DbSession, job_id: int, round_id: int, held_token: str, token: str, seconds: int
) -> bool:
    """Start an attempt at a job: take its round with `token` if the job still holds it and no live
    attempt does (lease unset or lapsed). False when another attempt holds it or the job lost it.

    Write-first: the caller has ended any read transaction; the caller commits.
    """
    now = utcnow()
    taken = execute_write(
        session,
        update(Round)
        .where(
            Round.id == round_id,
            Round.phase.in_(TALLYING_PHASES),
            Round.tally_token == held_token,
            or_(Round.tally_lease_expires_at.is_(None), Round.tally_lease_expires_at < now),
        )
        .values(tally_token=token, tally_lease_expires_at=lease_until(seconds, now))
        .execution_options(synchronize_session=False),
    ).rowcount
    if not taken:
        return False
    session.execute(
        update(TallyJob)
        .where(TallyJob.id == job_id)
        .values(token=token, status=JobStatus.RUNNING.value, stage="Starting", error=None)
        .execution_options(synchronize_session=False)
    )
    return True


def renew(session: DbSession, round_id: int, token: str, seconds: int) -> bool:
    """The heartbeat: extend the lease while `token` still holds the round; False once it lost it."""
    return bool(
        execute_write(
            session,
            update(Round)
            .where(Round.id == round_id, Round.tally_token == token, Round.phase.in_(TALLYING_PHASES))
            .values(tally_lease_expires_at=lease_until(seconds))
            .execution_options(synchronize_session=False),
        ).rowcount
    )


def hold(session: DbSession, round_id: int, token: str) -> None:
    """The posting transaction's first write: lock the round for `token` or raise Conflict.

    On PostgreSQL the row lock, on SQLite the write lock, lasts until the commit that moves the round to
    tallied, so an attempt taking over meanwhile waits and then finds the round no longer held.
    """
    held = execute_write(
        session,
        update(Round)
        .where(Round.id == round_id, Round.tally_token == token, Round.phase.in_(TALLYING_PHASES))
        .values(tally_lease_expires_at=None)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not held:
        raise Conflict("This tally no longer holds the round.", "phase")


def retire_others(session: DbSession, round_id: int, token: str) -> None:
    """After a new tally took a round over from a lapsed one, the older jobs say so and stop."""
    session.execute(
        update(TallyJob)
        .where(TallyJob.round_id == round_id, TallyJob.status.in_(UNFINISHED), TallyJob.token != token)
        .values(
            status=JobStatus.FAILED.value,
            error="Another tally took this round over after this one stopped renewing its lease.",
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def stalled_jobs(session: DbSession, queued_grace_seconds: int) -> list[int]:
    """Unfinished jobs still holding their round that no live attempt runs: the lease lapsed, or the
    job has waited longer than the grace without a worker starting it (lost from the queue)."""
    now = utcnow()
    rows = session.scalars(
        select(TallyJob.id)
        .join(Round, Round.id == TallyJob.round_id)
        .where(
            TallyJob.status.in_(UNFINISHED),
            Round.tally_token == TallyJob.token,
            Round.phase.in_(TALLYING_PHASES),
            or_(
                Round.tally_lease_expires_at < now,
                and_(
                    Round.tally_lease_expires_at.is_(None),
                    TallyJob.created_at < now - timedelta(seconds=queued_grace_seconds),
                ),
            ),
        )
        .order_by(TallyJob.id)
    )
    return list(rows)
