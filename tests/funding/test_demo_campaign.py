"""The demo city's campaign: a city-wide matching period open now, priced problems with residents'
backings posted through the services (one pending for the cashier), a match that shows on the problem
page, and a ledger that checks."""

from __future__ import annotations

from sqlalchemy import select

from app.demo.seed import seed_demo_city
from app.extensions import db
from app.models.backing import Backing, MatchingPeriod
from app.models.timestamps import utcnow
from app.services.funding import quadratic_match
from app.services.funding.transparency import check_ledger


def test_the_demo_city_runs_a_backing_campaign_with_a_match(app, client) -> None:
    with app.app_context():
        summary = seed_demo_city(db.session)  # what `make run` loads
        db.session.commit()
        assert "22 backings of 4 problems (1 waiting for the cashier)" in summary
        period = db.session.scalar(select(MatchingPeriod))
        assert period is not None
        assert period.area_id is None
        now = utcnow()
        assert period.opens_at <= now < period.closes_at
        assert period.closed_at is None
        statuses = sorted(db.session.scalars(select(Backing.status)))
        assert statuses == ["held"] * 21 + ["pending"]
        standing = quadratic_match.standing(db.session, period.id)
        assert standing.matched_cents > 0
        issue_id = max(standing.problems, key=lambda p: p.match_cents).issue_id
        violation, _ = check_ledger(db.session)
        assert violation is None, str(violation)
    html = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'id="backing-progress"' in html
    assert "the city adds" in html
    assert client.get(f"/matching-periods/{period.id}").status_code == 200
