"""The demo city `make run` loads reads like a living city: each like comes after its problem's report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.demo.seed import EPOCH, LIKE_WITHIN_DAYS, SPAN_DAYS, seed_demo_city
from app.extensions import db
from app.models import Issue, Like


def test_every_demo_like_comes_after_its_problem_was_reported(app) -> None:
    with app.app_context():
        seed_demo_city(db.session, issue_count=60, resident_count=20)
        rows = db.session.execute(
            select(Like.created_at, Issue.created_at).join(Issue, Issue.id == Like.issue_id)
        ).all()
        assert len(rows) > 100
        for liked, reported in rows:
            assert reported <= liked <= reported + timedelta(days=LIKE_WITHIN_DAYS)
            assert liked <= EPOCH + timedelta(days=SPAN_DAYS)
        # Spread over the months, not stamped on one day (as "Liked ..." on My Commonfix shows).
        days = db.session.scalar(select(func.count(func.distinct(func.date(Like.created_at)))))
        assert days is not None
        assert days > 30
