"""Tally leases: a lapsed claim is taken over, a live one is not, the loser stops, one result recorded."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditEntry, Round, TallyJob, User
from app.models.timestamps import utcnow
from app.services.kernel.errors import Conflict
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import lease, tally
from app.tally_runner import run_job
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_round_tally import voted_round
from tests.funding_fixtures import funding  # noqa: F401

LEASE = 60


def queued_job(world: RoundWorld, rid: int) -> tuple[int, str]:
    with world.app.app_context():
        job = tally_jobs.start_job(db.session, db.session.get(User, world.admin.id), rid)
        db.session.commit()
        return job.id, job.token


def lapse(app: Flask, rid: int) -> None:
    """The holder stopped renewing: its lease is in the past."""
    with app.app_context():
        past = utcnow() - timedelta(seconds=1)
        db.session.execute(update(Round).where(Round.id == rid).values(tally_lease_expires_at=past))
        db.session.commit()


def recorded_tallies(app: Flask, rid: int) -> int:
    """Tallies that recorded a result (each writes one audit entry in its posting transaction)."""
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "round.tally", AuditEntry.target_id == str(rid))
            )
        )


def job_row(app: Flask, job_id: int) -> TallyJob:
    with app.app_context():
        job = db.session.get(TallyJob, job_id)
        db.session.expunge(job)
        return job


def test_a_lapsed_lease_is_taken_over_and_the_old_holder_can_no_longer_post(world: RoundWorld, app, runner):
    rid, _ = voted_round(world)
    job_id, queued_token = queued_job(world, rid)
    with app.app_context():
        s = db.session
        assert lease.stalled_jobs(s, LEASE) == []  # queued a moment ago: the queue still has it
        assert lease.take_over(s, job_id, rid, queued_token, "first", LEASE)
        s.commit()
        assert not lease.take_over(s, job_id, rid, "first", "second", LEASE)  # live: not taken
        s.rollback()
        assert lease.stalled_jobs(s, LEASE) == []
    lapse(app, rid)
    with app.app_context():
        s = db.session
        assert lease.stalled_jobs(s, LEASE) == [job_id]
        assert lease.take_over(s, job_id, rid, "first", "second", LEASE)
        s.commit()
        assert not lease.renew(s, rid, "first", LEASE)
        with pytest.raises(Conflict):
            lease.hold(s, rid, "first")
        s.rollback()
        assert lease.stalled_jobs(s, LEASE) == []
        # The live attempt holds it: another run of the job does nothing.
        assert run_job(s, job_id, LEASE) is None
    assert job_row(app, job_id).token == "second"
    lapse(app, rid)
    with app.app_context():
        assert run_job(db.session, job_id, LEASE) is not None
        assert run_job(db.session, job_id, LEASE) is None  # finished: a repeated job is harmless
    done = job_row(app, job_id)
    assert (done.status, done.progress) == ("done", 100)
    assert recorded_tallies(app, rid) == 1
    assert world.tally(rid).status_code == 409
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_an_attempt_that_lost_its_lease_mid_tally_stops_without_touching_the_job(world: RoundWorld, app):
    rid, _ = voted_round(world)
    job_id, queued_token = queued_job(world, rid)
    taken = []

    def another_attempt_takes_over(percent: int, _message: str) -> None:
        if taken:
            return
        with Session(db.engine) as other:
            held = other.scalar(select(Round.tally_token).where(Round.id == rid))
            past = utcnow() - timedelta(seconds=1)
            other.execute(update(Round).where(Round.id == rid).values(tally_lease_expires_at=past))
            taken.append(lease.take_over(other, job_id, rid, held, "newer", LEASE))
            other.commit()

    with app.app_context():
        assert run_job(db.session, job_id, LEASE, another_attempt_takes_over) is None
    assert taken == [True]
    job = job_row(app, job_id)
    assert (job.status, job.token, job.error) == ("running", "newer", None)
    assert recorded_tallies(app, rid) == 0
    with app.app_context():
        found = db.session.get(Round, rid)
        assert (found.phase, found.tally_token) == ("voting", "newer")
    lapse(app, rid)
    with app.app_context():
        assert run_job(db.session, job_id, LEASE) is not None
    assert recorded_tallies(app, rid) == 1
    assert queued_token != "newer"


def test_a_request_takes_over_a_lapsed_tally_and_retires_its_job(world: RoundWorld, app, runner):
    rid, _ = voted_round(world)
    job_id, queued_token = queued_job(world, rid)
    with app.app_context():
        assert lease.take_over(db.session, job_id, rid, queued_token, "dead worker", LEASE)
        db.session.commit()
    live = world.tally(rid)
    assert live.status_code == 409
    assert live.get_json()["error"]["message"] == "A tally of this round is already running."

    lapse(app, rid)
    response = world.tally(rid)  # three ballots: tallied inside the request

    assert response.status_code == 200, response.get_json()
    retired = job_row(app, job_id)
    assert retired.status == "failed"
    assert "took this round over" in (retired.error or "")
    assert recorded_tallies(app, rid) == 1
    with app.app_context():
        assert run_job(db.session, job_id, LEASE) is None  # the retired job does nothing
    assert recorded_tallies(app, rid) == 1
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_a_failure_while_posting_leaves_nothing_recorded_and_a_retry_records_once(
    world: RoundWorld, app, runner, monkeypatch
):
    rid, _ = voted_round(world)
    job_id, _token = queued_job(world, rid)
    real_record = tally.audit.record

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the machine went away while posting")

    # The results and the round's tallied phase are written by then; the audit entry fails.
    monkeypatch.setattr(tally.audit, "record", crash)
    with app.app_context():
        assert run_job(db.session, job_id, LEASE) is None
    failed = job_row(app, job_id)
    assert failed.status == "failed"
    assert "went away while posting" in (failed.error or "")
    assert recorded_tallies(app, rid) == 0
    with app.app_context():
        found = db.session.get(Round, rid)
        assert (found.phase, found.tally_token, found.tally_lease_expires_at) == ("voting", None, None)
        assert found.spent_cents is None

    monkeypatch.setattr(tally.audit, "record", real_record)
    retry_id, _ = queued_job(world, rid)
    with app.app_context():
        assert run_job(db.session, retry_id, LEASE) is not None
    assert recorded_tallies(app, rid) == 1
    assert runner.invoke(args=["ledger-check"]).exit_code == 0
