"""API issue lists: GeoJSON by bounding box, filters, ranking, pagination and their limits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text, update

from app.extensions import db
from app.models import Issue
from tests.testcity import HILLSIDE, OLD_TOWN, RIVERSIDE, Place

MakeIssue = Callable[..., Issue]
T0 = datetime(2026, 1, 1, 12, 0, 0)


def ids(body: dict[str, Any]) -> list[int]:
    return [f["properties"]["id"] for f in body["features"]]


def test_a_feature_carries_what_the_map_and_lists_need(
    client: FlaskClient, make_issue: MakeIssue, city: dict[str, int]
) -> None:
    issue = make_issue(
        place=RIVERSIDE, title="Broken lamp", category="streetlight", created_at=T0, likes_from=2
    )

    response = client.get("/api/v1/issues")

    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert (body["total"], body["page"], body["per_page"], body["has_next"]) == (1, 1, 20, False)
    (feature,) = body["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == issue.id
    assert feature["geometry"] == {"type": "Point", "coordinates": [RIVERSIDE.lon, RIVERSIDE.lat]}
    assert feature["properties"] == {
        "id": issue.id,
        "title": "Broken lamp",
        "category": "streetlight",
        "category_name": "Broken street light",
        "status": "new",
        "status_name": "New",
        "status_type": "open",
        "likes": 2,
        "area": "Riverside",
        "area_id": city["Riverside"],
        "created_at": "2026-01-01T12:00:00Z",
        "url": f"http://localhost/issues/{issue.id}",
    }


def test_filters_by_category_status_and_area(
    client: FlaskClient, make_issue: MakeIssue, city: dict[str, int]
) -> None:
    pothole = make_issue(category="pothole", place=OLD_TOWN)
    lamp = make_issue(category="streetlight", place=OLD_TOWN)
    fixed = make_issue(category="pothole", place=RIVERSIDE, status="fixed")
    duplicate = make_issue(category="pothole", place=HILLSIDE, status="duplicate")
    planned = make_issue(category="pothole", place=HILLSIDE, status="planned")
    closed = make_issue(category="pothole", place=RIVERSIDE, status="closed")

    def found(query: str) -> set[int]:
        response = client.get(f"/api/v1/issues?{query}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert body["total"] == len(body["features"])
        return set(ids(body))

    assert found("category=streetlight") == {lamp.id}
    assert found("status=open") == {pothole.id, lamp.id, planned.id}
    assert found("status=closed") == {duplicate.id, closed.id}  # the type: every closed-type status
    assert found("status=code:closed") == {closed.id}  # the one status whose code is closed
    assert found("status=code:planned,fixed") == {planned.id, fixed.id}
    assert found("status=fixed,planned") == {fixed.id, planned.id}
    assert found(f"area={city['Hillside']}") == {duplicate.id, planned.id}
    assert found(f"category=pothole&status=open&area={city['Hillside']}") == {planned.id}
    assert found("") == {pothole.id, lamp.id, fixed.id, duplicate.id, planned.id, closed.id}


def test_list_features_are_the_issue_pages_features_byte_for_byte_in_meaning(
    app: Flask, client: FlaskClient, make_issue: MakeIssue
) -> None:
    """Lists are built by the database's JSON functions, one issue by Python: they must agree."""
    titles = [
        'Quote " and backslash \\ here',
        "Émoji 🚧 and ünïcode",
        "</script><b>tag</b>",
        "Tab\tand\nline",  # stored before titles were one line: the JSON escapes must still agree
    ]
    for n, title in enumerate(titles):
        moment = T0 + timedelta(hours=n, microseconds=123456 * n)
        made = make_issue(
            place=(OLD_TOWN, RIVERSIDE, HILLSIDE)[n % 3],
            title=" ".join(title.split()),
            created_at=moment,
            likes_from=n,
        )
        with app.app_context():
            db.session.execute(update(Issue).where(Issue.id == made.id).values(title=title))
            db.session.commit()

    listed = client.get("/api/v1/issues?sort=new").get_json()["features"]
    mapped = client.get("/api/v1/issues?bbox=-180,-90,180,90&sort=new").get_json()["features"]

    assert [f["properties"]["title"] for f in listed] == titles[::-1]
    singles = [client.get(f"/api/v1/issues/{f['id']}").get_json() for f in listed]
    for from_list, from_map, single in zip(listed, mapped, singles, strict=True):
        assert from_list == from_map
        # The issue's own page adds a description, photos and the like; the list's part is the same.
        shared = {name: single["properties"][name] for name in from_list["properties"]}
        assert from_list == {
            "type": "Feature",
            "id": single["id"],
            "geometry": single["geometry"],
            "properties": shared,
        }


def test_list_features_follow_every_change_to_an_issue_and_the_names_it_shows(
    app: Flask,
    client: FlaskClient,
    make_issue: MakeIssue,
    make_user: Callable[..., Any],
    city: dict[str, int],
) -> None:
    """Lists read each issue's Feature from text the database keeps (triggers): whatever changes the issue,
    or renames what it shows, the listed Feature still equals the one the issue endpoint builds."""
    issue = make_issue(place=OLD_TOWN, title="Loose slab", category="pothole", created_at=T0)
    other = make_issue(place=RIVERSIDE, title="Untouched", category="pothole", created_at=T0)
    resident = make_user()

    def listed_and_single(issue_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        features = client.get("/api/v1/issues?bbox=-180,-90,180,90&per_page=500").get_json()["features"]
        (listed,) = [f for f in features if f["id"] == issue_id]
        single = client.get(f"/api/v1/issues/{issue_id}").get_json()
        shared = {name: single["properties"][name] for name in listed["properties"]}
        return listed, {
            "type": "Feature",
            "id": issue_id,
            "geometry": single["geometry"],
            "properties": shared,
        }

    changes: list[tuple[str, str]] = [
        ("title", "UPDATE issues SET title = 'Loose slab, \"deep\" now' WHERE id = :id"),
        ("status", "UPDATE issues SET status = 'in-progress' WHERE id = :id"),
        ("category", "UPDATE issues SET category_code = 'streetlight' WHERE id = :id"),
        (
            "position",
            f"UPDATE issues SET area_id = {city['Riverside']}, lon = 3.7301, lat = 51.0502 WHERE id = :id",
        ),
        ("category name", "UPDATE categories SET name = 'Lamp out' WHERE code = 'streetlight'"),
        ("status name", "UPDATE statuses SET name = 'Crew on site' WHERE code = 'in-progress'"),
        ("area name", f"UPDATE areas SET name = 'Riverside Quay' WHERE id = {city['Riverside']}"),
        (
            "like",
            f"INSERT INTO likes (user_id, issue_id, created_at) VALUES ({resident.id}, :id, '2026-01-02')",
        ),
    ]
    seen = []
    for what, statement in changes:
        with app.app_context():
            db.session.execute(text(statement), {"id": issue.id})
            db.session.commit()
        listed, single = listed_and_single(issue.id)
        assert listed == single, what
        seen.append(listed["properties"])

    last = seen[-1]
    assert (last["title"], last["status_name"], last["category_name"]) == (
        'Loose slab, "deep" now',
        "Crew on site",
        "Lamp out",
    )
    assert (last["area"], last["likes"], listed["geometry"]["coordinates"]) == (
        "Riverside Quay",
        1,
        [3.7301, 51.0502],
    )
    # The renamed area shows on its other issues too.
    assert listed_and_single(other.id)[0]["properties"]["area"] == "Riverside Quay"


def test_rank_puts_most_liked_first_and_ties_to_the_older_report(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    newer_tie = make_issue(created_at=T0 + timedelta(days=2), likes_from=1)
    top = make_issue(created_at=T0 + timedelta(days=3), likes_from=3)
    older_tie = make_issue(created_at=T0 + timedelta(days=1), likes_from=1)
    unliked = make_issue(created_at=T0)

    ranked = ids(client.get("/api/v1/issues?sort=rank").get_json())
    default = ids(client.get("/api/v1/issues").get_json())
    newest = ids(client.get("/api/v1/issues?sort=new").get_json())

    assert ranked == default == [top.id, older_tie.id, newer_tie.id, unliked.id]
    assert newest == [top.id, newer_tie.id, older_tie.id, unliked.id]


def test_pages_walk_through_the_list_without_overlap(client: FlaskClient, make_issue: MakeIssue) -> None:
    made = [make_issue(created_at=T0 + timedelta(minutes=i)).id for i in range(5)]

    pages = [client.get(f"/api/v1/issues?sort=new&per_page=2&page={n}").get_json() for n in (1, 2, 3, 4)]

    assert [ids(p) for p in pages] == [made[4:2:-1], made[2:0:-1], made[:1], []]
    assert [p["has_next"] for p in pages] == [True, True, False, False]
    assert all(p["total"] == 5 for p in pages)


@pytest.mark.parametrize("sort", ["rank", "new", "id"])
def test_a_page_far_past_the_end_is_empty(client: FlaskClient, make_issue: MakeIssue, sort: str) -> None:
    # The last page accepted, at the largest page size: an offset past PostgreSQL's 32-bit integers.
    make_issue()

    response = client.get(f"/api/v1/issues?sort={sort}&per_page=100&page=1000000000")

    assert response.status_code == 200
    assert (ids(response.get_json()), response.get_json()["has_next"]) == ([], False)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("per_page=101", "per_page", "per_page must be between 1 and 100."),
        ("per_page=0", "per_page", "per_page must be between 1 and 100."),
        ("per_page=ten", "per_page", "per_page must be a whole number."),
        ("page=0", "page", "page must be between 1 and 1,000,000,000."),
        ("area=old-town", "area", "area must be a whole number."),
        ("sort=popular", "sort", "sort must be one of rank, new, id."),
        ("category=volcano", "category", "Category 'volcano' is unknown."),
        ("bbox=10,50,10.02", "bbox", "bbox must be minlon,minlat,maxlon,maxlat"),
        ("bbox=10,50,10.02,50.02&per_page=501", "per_page", "per_page must be between 1 and 500."),
    ],
)
def test_bad_list_parameters_name_the_field(
    client: FlaskClient, query: str, field: str, message: str
) -> None:
    response = client.get(f"/api/v1/issues?{query}")

    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "message": message, "field": field}


def test_an_unknown_status_lists_the_known_ones(client: FlaskClient) -> None:
    error = client.get("/api/v1/issues?status=sleeping").get_json()["error"]

    assert error["field"] == "status"
    assert error["message"].startswith("Status 'sleeping' is unknown; use one of ")
    assert "acknowledged" in error["message"]
    assert "open" in error["message"]


def test_per_page_100_is_allowed_and_bbox_queries_may_return_500(client: FlaskClient) -> None:
    listed = client.get("/api/v1/issues?per_page=100").get_json()
    mapped = client.get("/api/v1/issues?bbox=10,50,10.02,50.018&per_page=500").get_json()
    mapped_default = client.get("/api/v1/issues?bbox=10,50,10.02,50.018").get_json()

    assert listed["per_page"] == 100
    assert mapped["per_page"] == 500
    assert mapped_default["per_page"] == 500
    assert "total" not in mapped  # the map asks per viewport and needs no count


def test_a_bbox_query_returns_at_most_per_page_features(
    client: FlaskClient, app: Flask, make_issue: MakeIssue
) -> None:
    for i in range(7):
        make_issue(place=Place(10.001 + i * 0.001, 50.001))

    body = client.get("/api/v1/issues?bbox=10,50,10.02,50.018&per_page=5").get_json()

    assert len(body["features"]) == 5
    assert body["has_next"] is True


EDGE_POINTS = [Place(10.0031234, 50.0041234), Place(10.0067891, 50.0078912), Place(10.0049999, 50.0060001)]


def test_bbox_results_are_exact_at_the_edges(client: FlaskClient, make_issue: MakeIssue) -> None:
    """The spatial index stores float32 bounds; the query must still be exact to the last digit."""
    a, b, c = (make_issue(place=p).id for p in EDGE_POINTS)
    pa, pb, pc = EDGE_POINTS
    eps = 1e-7

    def found(*box: float) -> set[int]:
        response = client.get("/api/v1/issues?bbox=" + ",".join(repr(v) for v in box))
        assert response.status_code == 200, response.get_json()
        return set(ids(response.get_json()))

    assert found(pa.lon, pa.lat, pb.lon, pb.lat) == {a, b, c}  # a and b lie exactly on corners
    assert found(pa.lon + eps, pa.lat, pb.lon, pb.lat) == {b, c}
    assert found(pa.lon, pa.lat + eps, pb.lon, pb.lat) == {b, c}
    assert found(pa.lon, pa.lat, pb.lon - eps, pb.lat) == {a, c}
    assert found(pa.lon, pa.lat, pb.lon, pb.lat - eps) == {a, c}
    assert found(pc.lon, pc.lat, pc.lon, pc.lat) == {c}  # a zero-size box on a point
    assert found(pc.lon + eps, pc.lat, pc.lon + 2 * eps, pc.lat) == set()
    assert found(10.0, 50.0, 10.02, 50.018) == {a, b, c}


class _DriverSQL(logging.Handler):
    def __init__(self, statements: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.statements = statements

    def emit(self, record: logging.LogRecord) -> None:
        self.statements.append(str(record.args[0]) if record.args else record.getMessage())  # type: ignore[index]


@contextmanager
def recorded_sql(app: Flask) -> Iterator[list[str]]:
    """Every statement the app sends: SQLAlchemy's (its cursor events) and the hot paths' driver SQL
    (which app.database.driver logs at DEBUG, as SQLAlchemy does not see it)."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    driver_log, handler = logging.getLogger("app.database.driver"), _DriverSQL(statements)
    level = driver_log.level
    driver_log.addHandler(handler)
    driver_log.setLevel(logging.DEBUG)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
        driver_log.removeHandler(handler)
        driver_log.setLevel(level)


def test_bbox_queries_go_through_the_spatial_index(
    client: FlaskClient, app: Flask, backend: str, make_issue: MakeIssue
) -> None:
    make_issue()

    with recorded_sql(app) as statements:
        client.get("/api/v1/issues?bbox=10,50,10.01,50.01")

    (query,) = [s for s in statements if "FROM issues" in s]
    if backend == "spatialite":
        assert "idx_issues_geom" in query  # SpatiaLite never uses its R*Tree implicitly
    else:
        assert "&&" in query
        assert "ST_MakeEnvelope" in query


def test_a_read_request_commits_and_a_failed_one_rolls_back(
    client: FlaskClient, app: Flask, backend: str, make_issue: MakeIssue
) -> None:
    """psycopg drops its prepared statements on ROLLBACK, so successful reads end with COMMIT on
    PostgreSQL; SQLite's end with the session's close, as failed requests do on both."""
    make_issue()
    ends: list[str] = []
    with app.app_context():
        engine = db.engine
    record_commit, record_rollback = (
        (lambda _conn: ends.append("commit")),
        (lambda _conn: ends.append("rollback")),
    )
    event.listen(engine, "commit", record_commit)
    event.listen(engine, "rollback", record_rollback)
    try:
        found = client.get("/api/v1/issues?bbox=-180,-90,180,90")
        read_end = "commit" if backend == "postgis" else "rollback"
        assert (found.status_code, len(found.get_json()["features"]), ends) == (200, 1, [read_end])

        ends.clear()
        refused = client.get("/api/v1/issues?status=no-such-status")
        assert (refused.status_code, refused.get_json()["error"]["field"], ends) == (
            422,
            "status",
            ["rollback"],
        )

        if backend == "postgis":
            # psycopg prepares a statement on a connection's fifth run of it. The pool hands out its
            # idle connections in turn, so with several idle ones six reads may leave each below five
            # runs (a partial run under load found none prepared): enough reads for every connection.
            for _ in range(40):
                client.get("/api/v1/issues?bbox=-180,-90,180,90")
            with app.app_context():
                prepared = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
            assert prepared
    finally:
        event.remove(engine, "commit", record_commit)
        event.remove(engine, "rollback", record_rollback)
