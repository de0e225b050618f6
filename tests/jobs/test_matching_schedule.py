"""The matching periods' schedule job: a period whose deadline has come is closed and its match posted,
once; running the job again (or after a close by hand) changes nothing. Time is advanced by moving the
period's deadline into the past."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from app.extensions import db
from app.jobs.matching_schedule import SCHEDULE_JOB
from app.jobs.queue import enqueue
from app.models import AuditEntry, LedgerPosting, MatchingPeriod
from app.models.timestamps import utcnow
from budgets.accounts import PostingKind
from tests.funding.match_world import MatchWorld, match_world  # noqa: F401


def qf_postings(world: MatchWorld) -> int:
    with world.app.app_context():
        query = (
            select(func.count()).select_from(LedgerPosting).where(LedgerPosting.kind == PostingKind.QF_MATCH)
        )
        return int(db.session.scalar(query) or 0)


def test_the_job_closes_a_due_period_once(match_world: MatchWorld) -> None:
    w = match_world
    period = w.period(closes_in=timedelta(hours=1))
    problem = w.problem()
    for cents in (100, 400, 900):
        w.back(w.resident(), problem, cents, period)
    enqueue(w.app, SCHEDULE_JOB)  # not due yet
    assert qf_postings(w) == 0
    with w.app.app_context():
        db.session.execute(
            update(MatchingPeriod)
            .where(MatchingPeriod.id == period)
            .values(closes_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    enqueue(w.app, SCHEDULE_JOB)
    enqueue(w.app, SCHEDULE_JOB)
    assert qf_postings(w) == 1
    with w.app.app_context():
        closed = db.session.get(MatchingPeriod, period)
        assert closed is not None
        assert closed.closed_at is not None
        by = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "matching_period.close")
        ).all()
        assert [d["by"] for d in by] == ["schedule"]
        assert by[0]["matched_cents"] == (10 + 20 + 30) ** 2 - 1_400
