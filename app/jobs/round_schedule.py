"""The rounds' schedule: every minute, open and close voting whose time has come and send reminders."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from app.extensions import db
from app.jobs.queue import job
from app.models.timestamps import utcnow
from app.services.rounds import windows

SCHEDULE_JOB = "rounds.schedule"


def run_schedule_at(now: datetime) -> windows.ScheduleRun:
    """One pass of the schedule at `now`, committed (the job passes the clock's time)."""
    done = windows.run_schedule(db.session, now, int(current_app.config["ROUND_REMINDER_HOURS"]))
    db.session.commit()
    return done


@job(SCHEDULE_JOB, every_minutes=1, retries=0)
def schedule_rounds() -> None:
    """Idempotent: a round already opened, closed or reminded is skipped by its conditional UPDATE."""
    run_schedule_at(utcnow())
