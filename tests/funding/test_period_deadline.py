"""A campaign's deadline moves later, never earlier, once residents have backed problems in it. Found from
outside: a deadline moved three minutes ahead refunded every backing weeks before the date backers had
been shown, and none of them was told."""

# ruff: noqa: F811  (the `backers` fixture is imported, then requested by name)
from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import MatchingPeriod, User
from app.models.timestamps import utcnow
from app.services.funding import matching_periods
from app.services.kernel.errors import Conflict
from tests.backing_fixtures import Backers, backers  # noqa: F401  (fixture)
from tests.funding.test_backing_settlement import official


def test_a_backed_campaigns_deadline_moves_only_later(backers: Backers, app) -> None:
    period_id = backers.period(closes=timedelta(days=20))
    issue_id = backers.problem(cost_cents=5_000)
    backers.back(backers.resident(), issue_id, 1_000)
    staff = official(app)
    with app.app_context():
        actor = db.session.get(User, staff.id)
        period = db.session.get(MatchingPeriod, period_id)
        assert actor is not None
        assert period is not None
        shown = period.closes_at
        sooner = (shown - timedelta(days=19)).isoformat() + "Z"
        with pytest.raises(Conflict) as refused:
            matching_periods.update_period(db.session, actor, period_id, {"closes_at": sooner}, utcnow())
        assert refused.value.field == "closes_at"
        assert "it can move later, not earlier, once a backing is in" in refused.value.message
        db.session.rollback()
        assert db.session.get(MatchingPeriod, period_id).closes_at == shown

        later = (shown + timedelta(days=7)).isoformat() + "Z"
        moved = matching_periods.update_period(db.session, actor, period_id, {"closes_at": later}, utcnow())
        assert moved.closes_at > shown
        db.session.rollback()


def test_an_unbacked_campaigns_deadline_may_come_sooner(backers: Backers, app) -> None:
    period_id = backers.period(closes=timedelta(days=20))
    staff = official(app)
    with app.app_context():
        actor = db.session.get(User, staff.id)
        period = db.session.get(MatchingPeriod, period_id)
        assert actor is not None
        assert period is not None
        sooner = (period.closes_at - timedelta(days=10)).isoformat() + "Z"
        moved = matching_periods.update_period(db.session, actor, period_id, {"closes_at": sooner}, utcnow())
        assert moved.closes_at < utcnow() + timedelta(days=11)
