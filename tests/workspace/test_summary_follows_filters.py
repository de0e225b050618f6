"""The dashboard's "Areas at a glance" counts what the ranked list beside it selects."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Issue
from app.models.timestamps import utcnow
from app.services.workspace import stats as workspace_stats
from app.services.workspace.dashboard import DashboardFilters
from tests.statements import counted_statements
from tests.testcity import HILLSIDE, OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp

MakeIssue = Callable[..., Issue]


@pytest.fixture
def mixed_city(make_issue: MakeIssue, stamp: Stamp) -> datetime:
    """Old Town: an open pothole (3 likes, 10 days old), an open street light (1 like, 2 days old), a
    pothole fixed 2 days ago after 10 days and a street light fixed 5 days ago after 4 (2 likes each),
    a hidden open pothole (4 likes); Riverside: an open pothole (20 days old), a closed one (9 likes)."""
    now = utcnow()
    make_issue(place=OLD_TOWN, likes_from=3, created_at=now - timedelta(days=10))
    make_issue(place=OLD_TOWN, category="streetlight", likes_from=1, created_at=now - timedelta(days=2))
    for category, days_to_fix, fixed_ago in [("pothole", 10, 2), ("streetlight", 4, 5)]:
        fixed_at = now - timedelta(days=fixed_ago)
        issue = make_issue(place=OLD_TOWN, category=category, likes_from=2)
        stamp(issue.id, status="fixed", created_at=fixed_at - timedelta(days=days_to_fix), fixed_at=fixed_at)
    hidden = make_issue(place=OLD_TOWN, likes_from=4)
    stamp(hidden.id, is_hidden=True)
    make_issue(place=RIVERSIDE, created_at=now - timedelta(days=20))
    closed = make_issue(place=RIVERSIDE, likes_from=9)
    stamp(closed.id, status="closed", closed_at=now)
    return now


def _summary(page: str) -> dict[str, list[str]]:
    """The summary table's cells by area name: matching, fixed lately, median days, likes."""
    table = page[page.index('id="summary-title"') :]
    rows = re.findall(r'<th scope="row"><a href="[^"]*">([^<]+)</a></th>(.*?)</tr>', table, re.S)
    return {name: re.findall(r'<td class="num">([^<]*)</td>', cells) for name, cells in rows}


def _total(page: str) -> int:
    found = re.search(r'<span class="dash__count">([\d,]+) problems?', page)
    assert found is not None
    return int(found.group(1).replace(",", ""))


def _days_ago(now: datetime, days: int) -> str:
    return (now - timedelta(days=days)).date().isoformat()


@pytest.mark.parametrize(
    ("query", "old_town", "riverside"),
    [
        ("", ["2", "2", "7.0", "4"], ["1", "0", "–", "0"]),
        ("category=pothole", ["1", "1", "10.0", "3"], ["1", "0", "–", "0"]),
        ("from=11", ["2", "1", "4.0", "4"], ["0", "0", "–", "0"]),
        ("min_likes=3", ["1", "0", "–", "3"], ["0", "0", "–", "0"]),
        # The fixes ignore the status filter: they are fixes whatever the list shows.
        ("status=closed", ["0", "2", "7.0", "0"], ["1", "0", "–", "9"]),
    ],
)
def test_the_summary_follows_the_lists_filters(
    staff_client: FlaskClient, mixed_city: datetime, query: str, old_town: list[str], riverside: list[str]
) -> None:
    query = re.sub(r"from=(\d+)", lambda m: f"from={_days_ago(mixed_city, int(m.group(1)))}", query)
    page = staff_client.get(f"/staff/dashboard?{query}").get_data(as_text=True)
    rows = _summary(page)
    assert (rows["Old Town"], rows["Riverside"]) == (old_town, riverside)
    assert rows["Hillside"] == ["0", "0", "–", "0"]
    assert _total(page) == sum(int(cells[0]) for cells in rows.values())


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=open,fixed,closed",
        "category=streetlight&status=fixed",
        "min_likes=1",
        "status=code:closed",
    ],
)
def test_the_chosen_areas_row_counts_what_the_list_shows(
    staff_client: FlaskClient, city: dict[str, int], mixed_city: datetime, query: str
) -> None:
    for name, area_id in city.items():
        page = staff_client.get(f"/staff/dashboard?area={area_id}&{query}").get_data(as_text=True)
        assert int(_summary(page)[name][0]) == _total(page), (name, query)


def test_an_areas_link_keeps_the_other_filters(
    staff_client: FlaskClient, city: dict[str, int], mixed_city: datetime
) -> None:
    page = staff_client.get(f"/staff/dashboard?area={city['Old Town']}&category=pothole&sort=newest")
    table = page.get_data(as_text=True).split('id="summary-title"')[1]
    link = re.search(r'<a href="([^"]*)">Riverside</a>', table)
    assert link is not None
    assert set(html.unescape(link.group(1)).split("?")[1].split("&")) == {
        f"area={city['Riverside']}",
        "category=pothole",
        "status=open",
        "sort=newest",
    }


def test_a_bad_filter_shows_the_unfiltered_summary(staff_client: FlaskClient, mixed_city: datetime) -> None:
    response = staff_client.get("/staff/dashboard?min_likes=lots&category=pothole")
    assert response.status_code == 422
    assert _summary(response.get_data(as_text=True))["Old Town"] == ["2", "2", "7.0", "4"]


def test_hillside_counts_a_report_there(
    staff_client: FlaskClient, make_issue: MakeIssue, mixed_city: datetime
) -> None:
    make_issue(place=HILLSIDE, category="streetlight", likes_from=2)
    page = staff_client.get("/staff/dashboard?category=streetlight").get_data(as_text=True)
    assert _summary(page)["Hillside"] == ["1", "0", "–", "2"]


@pytest.mark.parametrize(
    "filters",
    [
        DashboardFilters(),
        DashboardFilters(category="pothole", statuses=("closed",)),
        DashboardFilters(created_from=date(2020, 1, 1), min_likes=1, statuses=("open", "fixed")),
    ],
)
def test_the_summary_costs_one_statement_per_area_and_a_few_more(
    app: Flask, make_issue: MakeIssue, mixed_city: datetime, filters: DashboardFilters
) -> None:
    """However it is filtered and however many issues there are: at most a median per area, a few counts."""

    def statements() -> int:
        with app.app_context(), counted_statements() as seen:
            workspace_stats.area_summary(db.session, mixed_city, filters)
        return len(seen)

    with app.app_context():
        areas = len(db.session.execute(select(Area.id)).all())
    statements()  # the statuses are read once, then kept for a few seconds
    before = statements()
    for place in (OLD_TOWN, RIVERSIDE, HILLSIDE):
        make_issue(place=place, likes_from=1)
    assert statements() == before <= areas + 5
