"""Tally jobs through a real queue storage (embedded SQLite file and Redis), run as a worker would."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from app.extensions import db
from app.jobs.queue import enqueue, queue_of
from app.models import AuditEntry, Round, TallyJob
from app.models.timestamps import utcnow
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding.test_round_tally import independent, voted_round
from tests.funding_fixtures import funding  # noqa: F401
from tests.jobs.queue_modes import drain, queue_url  # noqa: F401


@pytest.fixture
def app(queue_url: str, app: Flask) -> Flask:  # the shared app fixture, on the queue storage under test
    assert app.config["QUEUE_URL"] == queue_url
    queue_of(app).flush()
    return app


def job_state(app: Flask, job_id: int) -> tuple[str, int]:
    with app.app_context():
        job = db.session.get(TallyJob, job_id)
        return job.status, job.progress


def tally_jobs(app: Flask) -> list[str]:
    """The tally jobs a worker ran (mail jobs, such as the funded problems' followers' news, aside)."""
    return [name for name in drain(app) if name.startswith("tally.")]


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


def test_a_large_tally_waits_on_the_queue_until_a_worker_runs_it(world: RoundWorld, app, runner) -> None:
    rid, ballots = voted_round(world)

    response = world.tally(rid)

    assert response.status_code == 202
    job = response.get_json()["job"]
    assert (job["status"], job["progress"]) == ("queued", 0)
    # One tally job waits (beside it, the mail of voting's opening may wait for a worker too).
    assert [task.name for task in queue_of(app).pending()].count("tally.run") == 1
    assert world.tally(rid).status_code == 409  # claimed for the job

    assert tally_jobs(app) == ["tally.run"]

    assert job_state(app, job["id"]) == ("done", 100)
    assert world.client.get(job["url"]).get_json()["status"] == "done"
    body = world.client.get(f"/api/v1/rounds/{rid}/results").get_json()
    assert {f["issue_id"] for f in body["funded"]} == {
        int(p) for p in independent(world, ballots, 6000).selected
    }
    assert recorded_tallies(app, rid) == 1
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_the_sweep_enqueues_a_job_lost_from_the_queue_and_only_that(world: RoundWorld, app, runner) -> None:
    rid, _ = voted_round(world)
    job_id = world.tally(rid).get_json()["job"]["id"]
    queue_of(app).flush()  # the task is gone (taken by a worker that died, or lost with its storage)
    enqueue(app, "tally.sweep")
    assert tally_jobs(app) == ["tally.sweep"]  # queued a moment ago: the queue may still have it, no repeat
    assert job_state(app, job_id) == ("queued", 0)

    with app.app_context():
        long_ago = utcnow() - timedelta(seconds=2 * app.config["TALLY_LEASE_SECONDS"])
        db.session.execute(update(TallyJob).where(TallyJob.id == job_id).values(created_at=long_ago))
        db.session.commit()
    enqueue(app, "tally.sweep")

    assert tally_jobs(app) == ["tally.sweep", "tally.run"]
    assert job_state(app, job_id) == ("done", 100)
    assert recorded_tallies(app, rid) == 1

    enqueue(app, "tally.sweep")
    enqueue(app, "tally.run", job_id)  # a duplicate of a finished job
    assert tally_jobs(app) == ["tally.sweep", "tally.run"]
    assert recorded_tallies(app, rid) == 1
    with app.app_context():
        assert db.session.get(Round, rid).phase == "tallied"
    assert runner.invoke(args=["ledger-check"]).exit_code == 0


def test_the_sweep_is_a_periodic_job_run_by_the_scheduler_every_minute(app) -> None:
    huey = queue_of(app)
    every_minute = ["mail.sweep", "matching.close_due", "rounds.schedule", "tally.sweep"]
    for minute in (0, 1, 37):
        due = [task.name for task in huey.read_periodic(datetime(2026, 12, 3, 12, minute))]
        # The campaigns' settlement (backings.settle) runs every 5 minutes, not every minute.
        assert sorted(due) == sorted(every_minute + (["backings.settle"] if minute % 5 == 0 else []))
