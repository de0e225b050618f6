"""A matching period closed by hand before its deadline: the backings made in it still go back at that
deadline unless the problem is funded, while a backing made after the close waits for its own period's
deadline, or for the problem to be funded or closed. The problem page and the API say both (found from
outside: a backer after the close was shown the old period's date, which did not apply to them)."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import Issue, MatchingPeriod, User
from app.models.timestamps import utcnow
from app.services.funding import backings, quadratic_match
from tests.funding.match_world import MatchWorld, match_world  # noqa: F401


def _costed_problem(w: MatchWorld) -> int:
    problem = w.problem()
    with w.app.app_context():
        issue = db.session.get(Issue, problem)
        assert issue is not None
        issue.cost_estimate_cents = 500_000
        db.session.commit()
    return problem


def _figures(w: MatchWorld, problem: int) -> backings.IssueFunding:
    with w.app.app_context():
        issue = db.session.get(Issue, problem)
        assert issue is not None
        figures = backings.issue_funding(db.session, issue, utcnow())
        assert figures is not None
        return figures


def _close_by_hand(w: MatchWorld, period: int) -> None:
    official = w.resident(role="official")
    with w.app.app_context():
        quadratic_match.close_by_hand(db.session, db.session.get(User, official.id), period, utcnow())
        db.session.commit()


def test_a_running_period_gives_one_deadline(match_world: MatchWorld) -> None:
    w = match_world
    period, problem = w.period(), _costed_problem(match_world)
    w.back(w.resident(), problem, 1_000, period)
    figures = _figures(w, problem)
    assert figures.deadline is not None
    assert figures.new_backing_deadline == figures.deadline
    page = w.app.test_client().get(f"/issues/{problem}").get_data(as_text=True)
    assert "<dt>Deadline</dt>" in page
    assert 'data-testid="earlier-deadline"' not in page


def test_after_a_close_by_hand_a_new_backing_is_held_until_funded_or_closed(match_world: MatchWorld) -> None:
    w = match_world
    period, problem = w.period(), _costed_problem(match_world)
    w.back(w.resident(), problem, 1_000, period)
    _close_by_hand(w, period)

    figures = _figures(w, problem)
    with w.app.app_context():
        closes_at = db.session.get(MatchingPeriod, period).closes_at  # type: ignore[union-attr]
    assert figures.deadline == closes_at  # the earlier backings still go back then
    assert figures.new_backing_deadline is None
    page = w.app.test_client().get(f"/issues/{problem}").get_data(as_text=True)
    assert "<dt>Deadline</dt>" not in page
    assert "<dt>Earlier backings</dt><dd>go back on <time" in page
    assert "<dt>A backing made now</dt><dd>held until it is funded or closed</dd>" in page
    body = w.app.test_client().get(f"/api/v1/issues/{problem}").get_json()
    funding = body["properties"]["funding"]
    assert funding["deadline"] is not None
    assert funding["new_backing_deadline"] is None


def test_after_a_close_by_hand_a_new_backing_joins_the_next_open_period(match_world: MatchWorld) -> None:
    w = match_world
    period, problem = w.period(), _costed_problem(match_world)
    w.back(w.resident(), problem, 1_000, period)
    _close_by_hand(w, period)
    later = w.period(closes_in=timedelta(days=20))

    figures = _figures(w, problem)
    with w.app.app_context():
        assert figures.new_backing_deadline == db.session.get(MatchingPeriod, later).closes_at  # type: ignore[union-attr]
    assert figures.deadline != figures.new_backing_deadline
    page = w.app.test_client().get(f"/issues/{problem}").get_data(as_text=True)
    assert "<dt>A backing made now</dt><dd>deadline <time" in page
