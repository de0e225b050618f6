"""The demo city `make run` loads reads like a living city on the day it is loaded: the reports span the
months before it, nothing is dated after it, and each like comes after its problem's report."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from shapely.geometry import LinearRing
from sqlalchemy import func, select

from app.demo.seed import LIKE_WITHIN_DAYS, SPAN_DAYS, seed_demo_city
from app.extensions import db
from app.models import Follow, Issue, IssueEvent, Like

LOADED = datetime(2027, 3, 14, 9, 30)


def test_the_demo_city_is_dated_up_to_the_day_it_is_loaded(app) -> None:
    with app.app_context():
        seed_demo_city(db.session, issue_count=60, resident_count=20, now=LOADED)
        first, last = db.session.execute(select(func.min(Issue.created_at), func.max(Issue.created_at))).one()
        assert LOADED - timedelta(days=SPAN_DAYS) <= first
        assert last > LOADED - timedelta(days=14)  # recent reports, not a city gone quiet
        stamps = [
            Issue.updated_at,
            Issue.acknowledged_at,
            Issue.fixed_at,
            Issue.closed_at,
            Issue.last_activity_at,
        ]
        for column in stamps:
            latest = db.session.scalar(select(func.max(column)))
            assert latest is not None
            assert latest <= LOADED, column
            # Spread over the time left, not piled up on the moment of loading.
            assert not db.session.scalar(select(func.count()).where(column == LOADED)), column
        latest_event = db.session.scalar(select(func.max(IssueEvent.created_at)))
        assert latest_event is not None
        assert latest_event <= LOADED


def test_every_demo_like_comes_after_its_problem_was_reported(app) -> None:
    with app.app_context():
        seed_demo_city(db.session, issue_count=60, resident_count=20, now=LOADED)
        rows = db.session.execute(
            select(Like.created_at, Issue.created_at).join(Issue, Issue.id == Like.issue_id)
        ).all()
        assert len(rows) > 100
        for liked, reported in rows:
            assert reported <= liked <= reported + timedelta(days=LIKE_WITHIN_DAYS)
            assert liked <= LOADED
        # Spread over the months, not stamped on one day (as "Liked ..." on My Commonfix shows).
        days = db.session.scalar(select(func.count(func.distinct(func.date(Like.created_at)))))
        assert days is not None
        assert days > 30


def test_each_demo_reporter_follows_their_report(app) -> None:
    """As reporting through the form does: My Commonfix lists them under "What I follow"."""
    with app.app_context():
        seed_demo_city(db.session, issue_count=60, resident_count=20, now=LOADED)
        reports = set(db.session.execute(select(Issue.reporter_id, Issue.id)).tuples())
        follows = set(db.session.execute(select(Follow.user_id, Follow.issue_id)).tuples())
        assert len(reports) == 60
        assert reports <= follows


def test_the_demo_citys_areas_go_out_wound_as_rfc_7946_asks(app) -> None:
    """Found from outside: the demo's outlines (drawn clockwise) went out as drawn from /api/v1/areas."""
    with app.app_context():
        seed_demo_city(db.session, issue_count=60, resident_count=20, now=LOADED)
        db.session.commit()
    features = app.test_client().get("/api/v1/areas").get_json()["features"]
    assert len(features) >= 8
    for feature in features:
        for polygon in feature["geometry"]["coordinates"]:
            assert LinearRing(polygon[0]).is_ccw, feature["properties"]["name"]


def test_each_demo_problems_timeline_tells_its_timestamps_story(app) -> None:
    """Found from outside: Open311's updated_datetime (the issue's updated_at) came before most demo
    problems' last event, and "acknowledged" times had no event; a harvester syncing on it missed them."""
    with app.app_context():
        # Loaded now: the money demos that follow the timelines act at the real time.
        seed_demo_city(db.session, issue_count=60, resident_count=20)
        issues = db.session.execute(
            select(Issue.id, Issue.status, Issue.acknowledged_at, Issue.updated_at, Issue.last_activity_at)
        ).all()
        events: dict[int, list[tuple[datetime, str, str | None, str | None]]] = {}
        for issue_id, at, kind, before, after in db.session.execute(
            select(
                IssueEvent.issue_id,
                IssueEvent.created_at,
                IssueEvent.kind,
                IssueEvent.from_status,
                IssueEvent.to_status,
            ).order_by(IssueEvent.created_at, IssueEvent.id)
        ).tuples():
            events.setdefault(issue_id, []).append((at, kind, before, after))
    told = 0
    for issue_id, status, acknowledged, updated, active in issues:
        story = events.get(issue_id, [])
        if status == "new" and not story:
            continue
        told += 1
        # No earlier than the last event (a cost estimate changes the row without an event).
        assert updated >= story[-1][0], issue_id
        assert active >= story[-1][0], issue_id
        steps = [(before, after) for _at, kind, before, after in story if kind == "status"]
        assert steps[0][0] == "new", issue_id
        assert all(a[1] == b[0] for a, b in itertools.pairwise(steps)), (issue_id, steps)
        assert steps[-1][1] == status, (issue_id, steps)
        assert acknowledged in [at for at, kind, before, _after in story if before == "new"], issue_id
    assert told > 30


def test_no_demo_problem_is_a_duplicate_without_an_original_and_closing_notes_fit_their_status(app) -> None:
    """Found from outside: seeded "duplicate" problems had no original (no official could ever change
    them) and one read "the responsibility of the utility company"."""
    with app.app_context():
        seed_demo_city(db.session, issue_count=200, resident_count=20, now=LOADED)
        orphans = db.session.scalar(
            select(func.count()).where(Issue.status == "duplicate", Issue.duplicate_of_id.is_(None))
        )
        notes = db.session.execute(
            select(IssueEvent.to_status, IssueEvent.note).where(IssueEvent.kind == "status")
        ).all()
    assert orphans == 0
    utility = {to for to, note in notes if note and "utility company" in note}
    assert utility == {"not-responsible"}
