"""Campaign deadlines: every few minutes, settle the backed problems whose deadline has passed."""

from __future__ import annotations

from datetime import datetime

from app.extensions import db
from app.jobs.queue import job
from app.models.timestamps import utcnow
from app.services.funding import backing_settlement

SETTLE_JOB = "backings.settle"


def settle_due_at(now: datetime) -> dict[int, str]:
    """Settle each problem whose campaign ended by `now`, one transaction per problem; what each did."""
    done: dict[int, str] = {}
    for issue_id in backing_settlement.due_issue_ids(db.session, now):
        done[issue_id] = backing_settlement.settle_issue(db.session, issue_id, now)
        db.session.commit()
    return done


@job(SETTLE_JOB, every_minutes=5, retries=0)
def settle_backings() -> None:
    """Idempotent: a problem already settled has no held backing left, so it is not due again."""
    settle_due_at(utcnow())
