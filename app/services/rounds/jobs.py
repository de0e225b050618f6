"""Tally jobs: starting a tally (now or as a background job), the job row, and how progress is measured.

A round is "large" when it has more ballots than TALLY_SYNC_MAX_BALLOTS (default 2,000; a round
without a voting phase counts its group's members): `begin_tally` then claims it for a queued job,
which the edge (app/tally_runner.py) enqueues after the commit for a worker, and the API answers 202
with the job's URL; smaller rounds are tallied inside the request (200 with the results). A queued
job's claim has no lease yet: the worker's attempt takes one (lease.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Round, TallyJob, User
from app.services.kernel.errors import NotFound
from app.services.rounds import tally
from app.services.rounds.access import get_round, member_count
from app.services.rounds.ballots import ballots_cast

# Each stage's share of the bar, as (start, end) percent.
STAGES = {"candidates": (0, 5), "ballots": (5, 45), "rule": (45, 90), "posting": (90, 99)}


@dataclass(frozen=True)
class TallyStart:
    """What starting a tally did: tallied at once (`summary`), or queued a job to run after the commit."""

    summary: tally.TallySummary | None = None
    job: TallyJob | None = None


def new_token() -> str:
    return uuid.uuid4().hex


def is_large(session: DbSession, found: Round, threshold: int) -> bool:
    voters = ballots_cast(session, found) if found.has_voting_phase else member_count(session, found.group_id)
    return voters > threshold


def start_job(session: DbSession, actor: User, round_id: int) -> TallyJob:
    """Claim the round and record a queued job; the caller commits, then enqueues or runs the job."""
    token = new_token()
    tally.claim(session, actor, round_id, token)
    job = TallyJob(round_id=round_id, token=token, created_by_id=actor.id)
    session.add(job)
    session.flush()
    return job


def begin_tally(session: DbSession, actor: User, round_id: int, sync_max_ballots: int) -> TallyStart:
    """Tally a small round now, or claim a large one for a background job; the caller commits.

    A queued job must only be run once the claim is committed (app/tally_runner.start_tally does both).
    """
    found = get_round(session, round_id)
    if is_large(session, found, sync_max_ballots):
        return TallyStart(job=start_job(session, actor, round_id))
    return TallyStart(summary=tally.tally_now(session, actor, round_id, new_token()))


def get_job(session: DbSession, job_id: int) -> TallyJob:
    job = session.get(TallyJob, job_id)
    if job is None:
        raise NotFound(f"There is no tally job {job_id}.", "job_id")
    return job


def latest_job(session: DbSession, round_id: int) -> TallyJob | None:
    return session.scalar(
        select(TallyJob).where(TallyJob.round_id == round_id).order_by(TallyJob.id.desc()).limit(1)
    )


def progress_percent(stage: str, done: int, total: int) -> int:
    start, end = STAGES.get(stage, (0, 99))
    # An open-ended stage (add1's steps, total 0) creeps towards its end.
    share = done / total if total > 0 else done / (done + 200)
    return int(start + (end - start) * min(1.0, max(0.0, share)))


def round_of_job(session: DbSession, job: TallyJob) -> Round:
    return get_round(session, job.round_id)
