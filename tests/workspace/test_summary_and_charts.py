"""Per-area summary numbers on a known fixture, the weekly and time-to-fix charts, and the two maps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import charts
from app.extensions import db
from app.models import Issue
from app.models.timestamps import utcnow
from app.services.workspace import stats as workspace_stats
from tests.page_assets import offsite_assets
from tests.testcity import OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp

MakeIssue = Callable[..., Issue]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def known_city(make_issue: MakeIssue, stamp: Stamp) -> datetime:
    """Old Town: 2 open (3 + 1 likes), fixed after 4, 10 and 20 days (one of them 40 days ago);
    Riverside: 1 open (0 likes) and one fix after 6 days; Hillside: nothing."""
    now = utcnow()
    make_issue(place=OLD_TOWN, likes_from=3)
    make_issue(place=OLD_TOWN, likes_from=1)
    make_issue(place=RIVERSIDE)
    for place, days_to_fix, fixed_ago in [
        (OLD_TOWN, 4, 2),
        (OLD_TOWN, 10, 5),
        (OLD_TOWN, 20, 40),
        (RIVERSIDE, 6, 1),
    ]:
        fixed_at = now - timedelta(days=fixed_ago)
        issue = make_issue(place=place, category="streetlight", likes_from=2)
        stamp(issue.id, status="fixed", created_at=fixed_at - timedelta(days=days_to_fix), fixed_at=fixed_at)
    closed = make_issue(place=RIVERSIDE, likes_from=9)
    stamp(closed.id, status="closed", closed_at=now)
    hidden = make_issue(place=OLD_TOWN, likes_from=4)
    stamp(hidden.id, is_hidden=True)
    return now


def test_area_summary_numbers(app: Flask, known_city: datetime) -> None:
    with app.app_context():
        rows = {r.name: r for r in workspace_stats.area_summary(db.session, known_city)}

    assert list(rows) == ["Hillside", "Old Town", "Riverside"]
    old, river, hill = rows["Old Town"], rows["Riverside"], rows["Hillside"]
    assert (old.matching, old.fixed_recently, old.median_days_to_fix, old.matching_likes) == (2, 2, 10.0, 4)
    assert (river.matching, river.fixed_recently, river.median_days_to_fix, river.matching_likes) == (
        1,
        1,
        6.0,
        0,
    )
    assert (hill.matching, hill.fixed_recently, hill.median_days_to_fix, hill.matching_likes) == (
        0,
        0,
        None,
        0,
    )


def test_summary_table_on_the_dashboard(staff_client: FlaskClient, known_city: datetime) -> None:
    page = staff_client.get("/staff/dashboard").get_data(as_text=True)
    table = page[page.index('id="summary-title"') :]
    row = re.search(r"Old Town</a></th>(.*?)</tr>", table, re.S)
    assert row is not None
    assert re.findall(r'<td class="num">([^<]*)</td>', row.group(1)) == ["2", "2", "10.0", "4"]
    hill = re.search(r"Hillside</a></th>(.*?)</tr>", table, re.S)
    assert hill is not None
    assert re.findall(r'<td class="num">([^<]*)</td>', hill.group(1)) == ["0", "0", "–", "0"]


def test_weekly_new_vs_fixed(app: Flask, make_issue: MakeIssue, stamp: Stamp) -> None:
    today = date(2026, 6, 17)  # a Wednesday; its week starts on Monday 15 June
    monday = datetime(2026, 6, 15, 10, 0)
    for created in [
        monday,
        monday + timedelta(days=6),
        monday - timedelta(days=1),
        monday - timedelta(weeks=30),
    ]:
        make_issue(created_at=created)
    fixed = make_issue(created_at=monday - timedelta(days=3))
    stamp(fixed.id, status="fixed", fixed_at=monday + timedelta(days=1))

    with app.app_context():
        weekly = workspace_stats.weekly_new_vs_fixed(db.session, today)

    assert len(weekly.weeks) == 26
    assert weekly.weeks[-1] == date(2026, 6, 15)
    assert weekly.weeks[0] == date(2025, 12, 22)
    assert weekly.new[-1] == 2  # Monday and Sunday of this week
    assert weekly.new[-2] == 2  # last Sunday, and the fixed issue reported last Friday
    assert sum(weekly.new) == 4  # the report from 30 weeks ago is outside the window
    assert weekly.fixed[-1] == 1
    assert sum(weekly.fixed) == 1


def test_median_time_to_fix_by_category(app: Flask, known_city: datetime) -> None:
    with app.app_context():
        medians = dict(workspace_stats.median_fix_by_category(db.session))
        old_town = dict(workspace_stats.median_fix_by_category(db.session, area_id=_area(app, "Old Town")))
    assert medians["Broken street light"] == 8.0  # 4, 6, 10, 20 days
    assert medians["Pothole or road damage"] is None
    assert old_town["Broken street light"] == 10.0


def _area(app: Flask, name: str) -> int:
    from sqlalchemy import select

    from app.models import Area

    with app.app_context():
        return int(db.session.scalar(select(Area.id).where(Area.name == name)) or 0)


def test_column_chart_draws_one_bar_per_value_with_labels() -> None:
    svg = charts.column_chart(
        title="New <and> fixed",
        desc="Three weeks",
        labels=["1 Jun", "8 Jun", "15 Jun"],
        series=[
            charts.Series("Reported", [3, 0, 7], "#c2410c"),
            charts.Series("Fixed", [1, 2, 0], "#1d7a3a"),
        ],
        y_label="Problems",
        x_label="Week starting",
    )
    root = ET.fromstring(str(svg))  # well-formed XML, escaped text
    assert root.get("viewBox") == "0 0 520 300"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "New <and> fixed"  # type: ignore[union-attr]
    assert root.find(f"{SVG}desc").text == "Three weeks"  # type: ignore[union-attr]
    bars = [
        (b.get("data-series"), b.get("data-label"), b.get("data-value"))
        for b in root.iter(f"{SVG}rect")
        if b.get("data-series")
    ]
    assert bars == [
        ("Reported", "1 Jun", "3"),
        ("Fixed", "1 Jun", "1"),
        ("Reported", "8 Jun", "0"),
        ("Fixed", "8 Jun", "2"),
        ("Reported", "15 Jun", "7"),
        ("Fixed", "15 Jun", "0"),
    ]
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"Reported", "Fixed", "Week starting", "Problems", "1 Jun", "15 Jun"} <= set(texts)
    heights = {
        b.get("data-value"): float(b.get("height") or 0)
        for b in root.iter(f"{SVG}rect")
        if b.get("data-series")
    }
    assert heights["7"] > heights["3"] > heights["0"] == 0


def test_bar_chart_escapes_labels_and_marks_missing_values() -> None:
    svg = str(
        charts.bar_chart(
            title="Median time to fix",
            desc="By category",
            labels=["<script>alert(1)</script>", "Potholes"],
            values=[None, 12.5],
            unit="days",
            x_label="Days",
        )
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    root = ET.fromstring(svg)
    values = [b.get("data-value") for b in root.iter(f"{SVG}rect") if b.get("data-label")]
    assert values == ["12.5"]
    assert "no data" in [t.text for t in root.iter(f"{SVG}text")]
    assert "12.5 days" in [t.text for t in root.iter(f"{SVG}text")]


def test_charts_say_when_there_is_nothing_to_draw() -> None:
    svg = str(charts.bar_chart(title="t", desc="d", labels=[], values=[], unit="days", x_label="x"))
    assert "No data for these filters yet." in svg


def test_dashboard_shows_charts_and_maps_without_a_cdn(
    staff_client: FlaskClient, known_city: datetime
) -> None:
    page = staff_client.get("/staff/dashboard").get_data(as_text=True)
    assert page.count('<svg class="chart') == 2
    assert "<title" in page
    assert "New and fixed problems per week" in page
    assert 'data-label="Broken street light" data-value="8"' in page
    assert "L.heatLayer(" in page
    assert "/static/vendor/leaflet.heat/leaflet-heat.js" in page
    assert "L.geoJson(" in page or "L.geoJSON(" in page
    assert offsite_assets(page) == []
    assert "https://" not in page.split("</head>")[0]
    # Old Town (2 open) is the darkest class; Hillside (no open problem) gets the empty shade.
    assert '"fill": "#08519c", "name": "Old Town", "open": "2"' in page
    assert '"fill": "#f4f4f4", "name": "Hillside", "open": "0"' in page


def test_heat_cells_load_as_json(
    staff_client: FlaskClient, known_city: datetime, city: dict[str, int]
) -> None:
    body = staff_client.get("/staff/dashboard/heat.json").get_json()
    # Two open issues at the Old Town point share a ~100 m cell; the Riverside one has its own.
    assert sorted(n for _lat, _lon, n in body["cells"]) == [1, 2]
    assert (body["max"], body["total"]) == (2, 3)
    lat, lon, _n = next(c for c in body["cells"] if c[2] == 2)
    assert abs(lat - OLD_TOWN.lat) < 0.001
    assert abs(lon - OLD_TOWN.lon) < 0.001
    riverside = staff_client.get(f"/staff/dashboard/heat.json?area={city['Riverside']}").get_json()
    bad = staff_client.get("/staff/dashboard/heat.json?area=abc")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["field"] == "area"  # a .json route answers errors in JSON
    assert riverside["total"] == 1
    page = staff_client.get(f"/staff/dashboard?area={city['Riverside']}").get_data(as_text=True)
    assert f"/staff/dashboard/heat.json?area={city['Riverside']}" in page
