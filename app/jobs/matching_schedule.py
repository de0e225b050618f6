"""The matching periods' schedule: every minute, close the periods whose deadline has come."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.jobs.queue import job
from app.models.timestamps import utcnow
from app.services.funding import quadratic_match

SCHEDULE_JOB = "matching.close_due"


def close_due_at(now: datetime) -> list[quadratic_match.Closing]:
    """One pass at `now`, committed: each due period's match posted in the same transaction."""
    done = quadratic_match.close_due(db.session, now)
    db.session.commit()
    return done


@job(SCHEDULE_JOB, every_minutes=1, retries=0)
def close_due_periods() -> None:
    """Idempotent: a period already closed (by hand or another scheduler) is skipped by its claim."""
    close_due_at(utcnow())
