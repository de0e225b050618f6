"""The dashboard's kept counts (issue_counts, issues.days_to_fix) and what it reads from them equal a
straightforward computation from the issues and likes, on both engines, after likes, unlikes, status
changes, merges, hiding, moves, new report dates and deletions."""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, select, update

from app.extensions import db
from app.models import Category, Issue, IssueCount, Like, Status, User
from app.models.timestamps import utcnow
from app.services.issues import likes
from app.services.issues import queries as issue_queries
from app.services.workflow import duplicates, moderation
from app.services.workflow import status_changes as workflow
from app.services.workspace import dashboard
from app.services.workspace import stats as workspace_stats
from app.services.workspace.dashboard import DashboardFilters
from tests.testcity import HILLSIDE, OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp

MakeIssue = Callable[..., Issue]
CATEGORIES = ("pothole", "streetlight", "graffiti")
OPEN_CODES = ("new", "acknowledged", "in-progress")


def _days(created: datetime, fixed: datetime) -> float:
    return max(0.0, (fixed - created).total_seconds() / 86400)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def straightforward(app: Flask, now: datetime) -> dict[str, Any]:
    """Everything the dashboard shows that the kept counts feed, computed from every issue and like."""
    with app.app_context():
        session = db.session()
        types = dict(session.execute(select(Status.code, Status.type)).tuples().all())
        like_rows = Counter(session.scalars(select(Like.issue_id)).all())
        issues = session.execute(
            select(
                Issue.id,
                Issue.area_id,
                Issue.category_code,
                Issue.status,
                Issue.created_at,
                Issue.fixed_at,
                Issue.is_hidden,
            )
        ).all()
        session.rollback()
    visible = [i for i in issues if not i.is_hidden]
    groups: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for i in visible:
        row = groups[(i.area_id, i.category_code, i.status)]
        row[0] += 1
        row[1] += like_rows[i.id]
        row[2] += i.fixed_at is not None
    open_ = [i for i in visible if types[i.status] == "open"]
    fixed = [i for i in visible if types[i.status] == "fixed" and i.fixed_at is not None]

    def ranked(rows: list[Any]) -> list[int]:
        return [i.id for i in sorted(rows, key=lambda i: (-like_rows[i.id], i.created_at, i.id))][:50]

    areas = {i.area_id for i in issues}
    return {
        "counts": {key: tuple(value) for key, value in groups.items()},
        "open_total": len(open_),
        "ranked": ranked(open_),
        "ranked_by_area": {a: ranked([i for i in open_ if i.area_id == a]) for a in areas},
        "ranked_pothole": ranked([i for i in open_ if i.category_code == "pothole"]),
        "summary": {
            a: (
                sum(1 for i in open_ if i.area_id == a),
                sum(1 for i in fixed if i.area_id == a and i.fixed_at >= now - timedelta(days=30)),
                _median([_days(i.created_at, i.fixed_at) for i in fixed if i.area_id == a]),
                sum(like_rows[i.id] for i in open_ if i.area_id == a),
            )
            for a in areas
        },
        "fix_by_category": {
            (area, c): _median(
                [
                    _days(i.created_at, i.fixed_at)
                    for i in fixed
                    if i.category_code == c and (area is None or i.area_id == area)
                ]
            )
            for c in CATEGORIES
            for area in (None, *areas)
        },
        "open_by_area": {
            c: dict(Counter(i.area_id for i in open_ if c is None or i.category_code == c))
            for c in (None, *CATEGORIES)
        },
    }


def from_the_dashboard(app: Flask, now: datetime, areas: list[int]) -> dict[str, Any]:
    """The same numbers as the services read them (kept counts, indexes by position)."""
    with app.app_context():
        session = db.session()
        counts = {
            (r.area_id, r.category_code, r.status): (r.issues, r.likes, r.timed_fixes)
            for r in session.scalars(select(IssueCount))
            if (r.issues, r.likes, r.timed_fixes) != (0, 0, 0)
        }
        page = dashboard.priority_page(session, DashboardFilters(), "rank", 1, per_page=50)
        summary = workspace_stats.area_summary(session, now)
        potholes = DashboardFilters(category="pothole")
        by_category: dict[tuple[int | None, str], float | None] = {}
        category_names = dict(session.execute(select(Category.code, Category.name)).tuples().all())
        for area in (None, *areas):
            medians = dict(workspace_stats.median_fix_by_category(session, area_id=area))
            for code in CATEGORIES:
                by_category[(area, code)] = medians[category_names[code]]
        result = {
            "counts": counts,
            "open_total": page.total,
            "ranked": [r.id for r in page.rows],
            "ranked_list": [r.id for r in issue_queries.ranked(session, limit=50)],
            "ranked_by_area": {
                a: [r.id for r in issue_queries.ranked(session, area_id=a, limit=50)] for a in areas
            },
            "dashboard_by_area": {
                a: dashboard.priority_page(session, DashboardFilters(area_id=a)).total for a in areas
            },
            "ranked_pothole": [r.id for r in dashboard.priority_page(session, potholes, per_page=50).rows],
            "summary": {
                r.area_id: (r.matching, r.fixed_recently, r.median_days_to_fix, r.matching_likes)
                for r in summary
                if r.area_id in areas
            },
            "fix_by_category": by_category,
            "open_by_area": {c: workspace_stats.open_by_area(session, c) for c in (None, *CATEGORIES)},
        }
        session.rollback()
    return result


def check_same(app: Flask, now: datetime, step: str) -> None:
    expected = straightforward(app, now)
    areas = sorted(expected["ranked_by_area"])
    found = from_the_dashboard(app, now, areas)
    assert found["counts"] == expected["counts"], step
    assert found["open_total"] == expected["open_total"], step
    assert found["ranked"] == expected["ranked"] == found["ranked_list"], step
    assert found["ranked_by_area"] == expected["ranked_by_area"], step
    assert found["dashboard_by_area"] == {a: expected["summary"][a][0] for a in areas}, step
    assert found["ranked_pothole"] == expected["ranked_pothole"], step
    assert found["summary"] == expected["summary"], step
    assert found["fix_by_category"] == expected["fix_by_category"], step
    assert found["open_by_area"] == expected["open_by_area"], step


@pytest.fixture
def city(make_issue: MakeIssue, make_user: Callable[..., User], stamp: Stamp) -> dict[str, Any]:
    """Thirty issues over three areas, three categories and open, fixed and closed statuses, with likes,
    spans to fix from hours to months (the same random choices on every run), and two hidden."""
    rng = random.Random(17)
    now = utcnow()
    residents = [make_user() for _ in range(6)]
    issues = []
    for n in range(30):
        place = (OLD_TOWN, RIVERSIDE, HILLSIDE)[n % 3]
        issue = make_issue(place=place, category=CATEGORIES[n % len(CATEGORIES)])
        created = now - timedelta(days=rng.randint(1, 200), minutes=rng.randint(0, 1439))
        values: dict[str, Any] = {"created_at": created, "status": OPEN_CODES[n % len(OPEN_CODES)]}
        if n % 3 != 2 and n % 4 == 0:
            values["status"] = "fixed"
            values["fixed_at"] = min(now, created + timedelta(minutes=rng.randint(30, 60 * 24 * 90)))
        elif n % 7 == 1:
            values["status"] = "closed"
        stamp(issue.id, **values)
        issues.append(issue.id)
    stamp(issues[5], is_hidden=True)
    stamp(issues[12], is_hidden=True)
    return {"now": now, "issues": issues, "residents": [r.id for r in residents]}


def _as(session: Any, user_id: int) -> User:
    user: User | None = session.get(User, user_id)
    assert user is not None
    return user


def test_kept_counts_and_dashboard_follow_every_change(
    app: Flask, city: dict[str, Any], make_user: Callable[..., User]
) -> None:
    now, issues, residents = city["now"], city["issues"], city["residents"]
    official = make_user(role="official").id
    rng = random.Random(4)
    check_same(app, now, "as loaded")

    def step(name: str, action: Callable[[Any], object]) -> None:
        with app.app_context():
            action(db.session())
            db.session.commit()
        check_same(app, now, name)

    with app.app_context():
        shown = list(
            db.session.scalars(select(Issue.id).where(Issue.id.in_(issues), Issue.is_hidden.is_(False)))
        )
        assert issues[5] not in shown  # the city's hidden issue

    def like_many(session: Any) -> None:
        for resident in residents:  # residents like only what they can see (a hidden issue is a 404)
            for issue_id in rng.sample(shown, 8):
                likes.like(session, _as(session, resident), issue_id)

    step("likes", like_many)
    step("like on a hidden issue (staff)", lambda s: likes.like(s, _as(s, official), issues[5]))
    liked = [(u, i) for u, i in db_pairs(app) if i != issues[5]]  # (resident, issue) pairs liked now
    step("unlikes", lambda s: [likes.unlike(s, _as(s, u), i) for u, i in liked[:5]])
    open_ids = _ids_with_status(app, OPEN_CODES)
    step(
        "fixed by the workflow",
        lambda s: workflow.change_status(s, _as(s, official), open_ids[0], "fixed", "Repaired."),
    )
    step("reopened", lambda s: workflow.change_status(s, _as(s, official), open_ids[0], "new", "It is back."))
    step(
        "bulk change",
        lambda s: workflow.bulk_change_status(s, _as(s, official), open_ids[1:4], "fixed", "Done."),
    )
    step(
        "merged",
        lambda s: duplicates.mark_duplicate(s, _as(s, official), open_ids[4], open_ids[5], "Same pothole."),
    )
    step("hidden", lambda s: moderation.set_issue_hidden(s, _as(s, official), open_ids[6], True, "Spam."))
    step("shown", lambda s: moderation.set_issue_hidden(s, _as(s, official), issues[12], False))
    step(
        "moved to another area and category",
        lambda s: s.execute(
            update(Issue)
            .where(Issue.id == open_ids[7])
            .values(area_id=_area_of(s, issues[1]), category_code="graffiti")
        ),
    )
    fixed_ids = _ids_with_status(app, ("fixed",))
    step(
        "reported earlier",
        lambda s: s.execute(
            update(Issue).where(Issue.id == fixed_ids[0]).values(created_at=now - timedelta(days=300))
        ),
    )
    step("deleted", lambda s: s.execute(delete(Issue).where(Issue.id.in_([fixed_ids[1], open_ids[8]]))))


def test_an_empty_city_has_no_counts_and_no_medians(app: Flask, make_issue: MakeIssue, stamp: Stamp) -> None:
    issue = make_issue(place=OLD_TOWN)
    stamp(issue.id, is_hidden=True)
    check_same(app, utcnow(), "only a hidden issue")
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(IssueCount).where(IssueCount.issues != 0)) == 0
        )


def db_pairs(app: Flask) -> list[tuple[int, int]]:
    with app.app_context():
        pairs = db.session.execute(select(Like.user_id, Like.issue_id).order_by(Like.id)).tuples().all()
        db.session.rollback()
    return list(pairs)


def _ids_with_status(app: Flask, codes: tuple[str, ...]) -> list[int]:
    with app.app_context():
        ids = db.session.scalars(
            select(Issue.id).where(Issue.status.in_(codes), Issue.is_hidden.is_(False)).order_by(Issue.id)
        ).all()
        db.session.rollback()
    return list(ids)


def _area_of(session: Any, issue_id: int) -> int:
    return int(session.scalar(select(Issue.area_id).where(Issue.id == issue_id)))
