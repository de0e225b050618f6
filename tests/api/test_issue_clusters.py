"""The map's clusters: `GET /api/v1/issues?zoom=Z` counts issues per grid cell in SQL, exactly."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Issue
from app.services.issues.places import DEFAULT_STATUSES
from geo.coordinates import BBox
from geo.grid import FINE_GRID, Grid
from tests import factories
from tests.testcity import AREA_BOXES, CITY_BBOX, Place

CITY = ",".join(str(n) for n in CITY_BBOX)
STATUS_TYPES = {code: kind.value for code, _, kind in DEFAULT_STATUSES}
# A grid whose cells are 0.005 degrees wide at zoom 6 (360 / (64 * 1125)): its edges run through the test
# city at stored coordinates, so some issues lie exactly on a cell's edge.
EDGE_GRID = {"MAP_CLUSTER_CELLS_PER_TILE": 1125}


@dataclass(frozen=True)
class Stored:
    id: int
    lon: float
    lat: float
    status: str
    category: str
    area_id: int
    hidden: bool


@pytest.fixture
def scattered(app: Flask) -> list[Stored]:
    """70 issues across the test city (some on 0.005-degree lines), of every status, a few hidden."""
    rng = random.Random(17)
    statuses = [code for code, _, _ in DEFAULT_STATUSES]
    boxes = list(AREA_BOXES.values())
    stored = []
    with app.app_context():
        session = db.session()
        reporter = factories.new_user(session)
        for n in range(70):
            west, south, east, north = boxes[n % len(boxes)]
            if n % 5 == 0:  # on a grid line of the 0.005-degree grid, inside the area
                lon = round(west + 0.005 * rng.randint(1, round((east - west) / 0.005) - 1), 3)
                lat = round(south + 0.005 * rng.randint(0, round((north - south) / 0.005) - 1), 3)
                lat = max(lat, south + 0.0005)
            else:
                lon = round(rng.uniform(west + 0.0001, east - 0.0001), 7)
                lat = round(rng.uniform(south + 0.0001, north - 0.0001), 7)
            issue = factories.new_issue(
                session,
                reporter,
                place=Place(lon, lat),
                category=rng.choice(["pothole", "streetlight", "graffiti"]),
                status=rng.choice(statuses),
            )
            if n % 11 == 3:
                session.execute(update(Issue).where(Issue.id == issue.id).values(is_hidden=True))
            session.flush()
            session.refresh(issue)
            stored.append(
                Stored(
                    issue.id,
                    issue.lon,
                    issue.lat,
                    issue.status,
                    issue.category_code,
                    issue.area_id,
                    issue.is_hidden,
                )
            )
        session.commit()
    return stored


def expected(issues: list[Stored], grid: Grid, box: BBox) -> dict[str, dict[str, int]]:
    """Per cell id, the issues per status: counted in Python from the rows as stored."""
    cells = grid.cells_meeting(box)
    found: dict[str, Counter[str]] = {}
    for issue in issues:
        cell = grid.cell_of(issue.lon, issue.lat)
        if not issue.hidden and cell in cells:
            found.setdefault(f"{grid.zoom}/{cell[0]}/{cell[1]}", Counter())[issue.status] += 1
    return {key: dict(counter) for key, counter in found.items()}


def answered(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {f["id"]: f["properties"]["statuses"] for f in body["features"]}


def get_clusters(client: FlaskClient, query: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/issues?{query}")
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["clustered"] is True
    return body


def check_consistent(body: dict[str, Any]) -> None:
    """Each cluster's per-status and per-type counts add up to its count; the counts to the total; its
    centroid and extent lie in its cell."""
    for feature in body["features"]:
        p = feature["properties"]
        assert p["cluster"] is True
        assert sum(p["statuses"].values()) == p["count"] == sum(p["status_types"].values())
        by_type: Counter[str] = Counter()
        for status, n in p["statuses"].items():
            by_type[STATUS_TYPES[status]] += n
        assert p["status_types"] == dict(by_type)
        west, south, east, north = p["cell"]
        lon, lat = feature["geometry"]["coordinates"]
        min_lon, min_lat, max_lon, max_lat = feature["bbox"]
        assert west <= min_lon <= lon <= max_lon <= east
        assert south <= min_lat <= lat <= max_lat <= north
    assert body["total"] == sum(f["properties"]["count"] for f in body["features"])


@pytest.mark.parametrize("zoom", [8, 12, 14, 15])
def test_clusters_count_every_issue_of_each_cell_exactly(
    app: Flask, client: FlaskClient, scattered: list[Stored], zoom: int
) -> None:
    grid = Grid(zoom, app.config["MAP_CLUSTER_CELLS_PER_TILE"])
    city = BBox(*CITY_BBOX)

    body = get_clusters(client, f"bbox={CITY}&zoom={zoom}")

    assert answered(body) == expected(scattered, grid, city)
    assert body["total"] == sum(1 for i in scattered if not i.hidden)
    assert body["zoom"] == zoom
    assert body["cell_size"] == grid.size
    assert body["bbox"] == grid.covering(grid.cells_meeting(city)).as_list()
    check_consistent(body)


@pytest.mark.config(**EDGE_GRID)
def test_issues_on_a_cells_edge_are_counted_where_python_puts_them(
    app: Flask, client: FlaskClient, scattered: list[Stored]
) -> None:
    grid = Grid(6, 1125)
    on_lines = [i for i in scattered if round(i.lon * 1000) % 5 == 0]
    assert len(on_lines) >= 10

    body = get_clusters(client, f"bbox={CITY}&zoom=6")

    assert len(body["features"]) > 6
    assert answered(body) == expected(scattered, grid, BBox(*CITY_BBOX))
    check_consistent(body)


def test_a_cell_is_counted_whole_wherever_the_viewport_cuts_it(
    app: Flask, client: FlaskClient, scattered: list[Stored]
) -> None:
    """The answer counts whole cells: a viewport that cuts a cell gets the same count as one holding it."""
    grid = Grid(13, app.config["MAP_CLUSTER_CELLS_PER_TILE"])
    whole = answered(get_clusters(client, f"bbox={CITY}&zoom=13"))
    for corner in ("10.0001,50.0001,10.0002,50.0002", "10.0150,50.0150,10.0151,50.0151"):
        body = get_clusters(client, f"bbox={corner}&zoom=13")
        box = BBox(*(float(n) for n in corner.split(",")))
        assert answered(body) == expected(scattered, grid, box)
        for key, statuses in answered(body).items():
            assert whole[key] == statuses
        west, south, east, north = body["bbox"]
        assert west <= box.min_lon
        assert south <= box.min_lat
        assert east >= box.max_lon
        assert north >= box.max_lat


def test_filters_apply_to_clusters(
    app: Flask, client: FlaskClient, scattered: list[Stored], city: dict[str, int]
) -> None:
    grid = Grid(14, app.config["MAP_CLUSTER_CELLS_PER_TILE"])
    box = BBox(*CITY_BBOX)
    hillside = city["Hillside"]
    open_codes = {code for code, kind in STATUS_TYPES.items() if kind == "open"}
    cases = {
        "status=open": lambda i: i.status in open_codes,
        "status=fixed,duplicate": lambda i: i.status in {"fixed", "duplicate"},
        "category=graffiti": lambda i: i.category == "graffiti",
        f"area={hillside}": lambda i: i.area_id == hillside,
        f"status=open&category=pothole&area={hillside}": lambda i: (
            i.status in open_codes and i.category == "pothole" and i.area_id == hillside
        ),
    }
    for query, keep in cases.items():
        body = get_clusters(client, f"bbox={CITY}&zoom=14&{query}")
        chosen = [i for i in scattered if keep(i)]
        assert answered(body) == expected(chosen, grid, box), query
        assert body["total"] == sum(1 for i in chosen if not i.hidden), query
        check_consistent(body)
    open_body = get_clusters(client, f"bbox={CITY}&zoom=14&status=open")
    assert all(set(f["properties"]["status_types"]) == {"open"} for f in open_body["features"])


def test_without_bbox_the_whole_world_is_counted(client: FlaskClient, scattered: list[Stored]) -> None:
    body = get_clusters(client, "zoom=3")

    assert body["bbox"] == [-180.0, -90.0, 180.0, 90.0]
    assert body["total"] == sum(1 for i in scattered if not i.hidden)
    (only,) = body["features"]  # the test city is far smaller than a cell at zoom 3
    assert only["properties"]["count"] == body["total"]


def test_an_empty_area_has_no_clusters(client: FlaskClient, scattered: list[Stored]) -> None:
    body = get_clusters(client, "bbox=20,40,21,41&zoom=10")
    assert body["features"] == []
    assert body["total"] == 0


def test_centroid_and_extent_are_the_cells_issues(client: FlaskClient, make_issue: Any) -> None:
    points = [Place(10.0012, 50.0021), Place(10.0016, 50.0031), Place(10.0020, 50.0011)]
    for place in points:
        make_issue(place=place)

    (feature,) = get_clusters(client, f"bbox={CITY}&zoom=10")["features"]

    assert feature["geometry"]["coordinates"] == pytest.approx(
        [sum(p.lon for p in points) / 3, sum(p.lat for p in points) / 3], abs=1e-7
    )
    # the box holds the issues, to within one cell of the finest grid (geo.grid.FINE_GRID)
    west, south, east, north = feature["bbox"]
    assert west <= 10.0012
    assert east >= 10.0020
    assert south <= 50.0011
    assert north >= 50.0031
    assert 10.0012 - west < FINE_GRID.size
    assert east - 10.0020 < FINE_GRID.size
    assert 50.0011 - south < FINE_GRID.size
    assert north - 50.0031 < FINE_GRID.size
    assert feature["properties"]["statuses"] == {"new": 3}
    assert feature["properties"]["status_types"] == {"open": 3}


def test_above_the_clustering_zoom_the_map_gets_pins_as_without_zoom(
    app: Flask, client: FlaskClient, scattered: list[Stored]
) -> None:
    pin_zoom = app.config["MAP_CLUSTER_MAX_ZOOM"] + 1
    with_zoom = client.get(f"/api/v1/issues?bbox={CITY}&zoom={pin_zoom}&status=open").get_json()
    without = client.get(f"/api/v1/issues?bbox={CITY}&status=open").get_json()

    assert "clustered" not in with_zoom
    assert with_zoom == without
    open_codes = {code for code, kind in STATUS_TYPES.items() if kind == "open"}
    assert {f["id"] for f in with_zoom["features"]} == {
        i.id for i in scattered if i.status in open_codes and not i.hidden
    }
    assert all("cluster" not in f["properties"] for f in with_zoom["features"])


@pytest.mark.config(MAP_CLUSTER_MAX_ZOOM=12)
def test_the_clustering_zoom_is_configuration(client: FlaskClient, scattered: list[Stored]) -> None:
    assert client.get(f"/api/v1/issues?bbox={CITY}&zoom=12").get_json()["clustered"] is True
    assert "clustered" not in client.get(f"/api/v1/issues?bbox={CITY}&zoom=13").get_json()


@pytest.mark.parametrize("zoom", ["abc", "-1", "25", "12.5", "1e1", "٣", "99999999999999999999999"])
def test_a_bad_zoom_is_a_422_naming_zoom(client: FlaskClient, zoom: str, table_counts: Any) -> None:
    before = table_counts()
    response = client.get(f"/api/v1/issues?bbox={CITY}&zoom={zoom}")

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "zoom"
    assert table_counts() == before


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("bbox=10,50,9,51&zoom=10", "bbox"),
        ("bbox=10,50,11&zoom=10", "bbox"),
        ("bbox=-200,50,11,51&zoom=10", "bbox"),
        ("bbox=10,50,nan,51&zoom=10", "bbox"),
        (f"bbox={CITY}&zoom=10&status=nonsense", "status"),
        (f"bbox={CITY}&zoom=10&category=nonsense", "category"),
        (f"bbox={CITY}&zoom=10&area=0", "area"),
    ],
)
def test_bad_filters_with_zoom_name_their_field(client: FlaskClient, query: str, field: str) -> None:
    response = client.get(f"/api/v1/issues?{query}")

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def both_ways(app: Flask, zoom: int, **filters: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The clusters from the kept per-cell counts and from the issues themselves, per cell id."""
    from app.services.issues.clusters import clusters
    from app.services.issues.queries import IssueFilters

    grid = Grid(zoom, 3)
    with app.app_context():
        session = db.session()
        found = [
            {
                f"{c.column}/{c.row}": (c.count, c.statuses, c.lon, c.lat)
                for c in clusters(session, IssueFilters(**filters), grid, from_cells=kept).clusters
            }
            for kept in (True, False)
        ]
        session.rollback()
    return found[0], found[1]


def check_same(kept: dict[str, Any], counted: dict[str, Any], name: str = "") -> None:
    """Same cells, counts and statuses; centroids equal up to the sums' rounding."""
    assert {k: v[:2] for k, v in kept.items()} == {k: v[:2] for k, v in counted.items()}, name
    for key, value in kept.items():
        assert value[2:] == pytest.approx(counted[key][2:], abs=2e-7), name


def test_the_kept_cell_counts_follow_every_change_to_an_issue(
    app: Flask, scattered: list[Stored], city: dict[str, int]
) -> None:
    """issue_cells is kept by triggers: after each kind of change the clusters read from it equal the
    clusters counted from the issues, on both engines."""
    visible = [i for i in scattered if not i.hidden]
    hidden = next(i for i in scattered if i.hidden)
    changes: list[tuple[str, dict[str, Any], int]] = [
        ("status", {"status": "fixed"}, visible[0].id),
        ("category", {"category_code": "tree"}, visible[1].id),
        ("area", {"area_id": city["Hillside"]}, visible[2].id),
        ("hidden", {"is_hidden": True}, visible[3].id),
        ("shown again", {"is_hidden": False}, hidden.id),
        ("moved", {"lon": 10.0191, "lat": 50.0171}, visible[4].id),
        ("likes only", {"likes_count": 7}, visible[5].id),
    ]
    for zoom in (9, 13, 15):
        check_same(*both_ways(app, zoom))
    for name, values, issue_id in changes:
        with app.app_context():
            db.session.execute(update(Issue).where(Issue.id == issue_id).values(**values))
            db.session.commit()
        for zoom in (13, 15):
            check_same(*both_ways(app, zoom), name)
            check_same(*both_ways(app, zoom, statuses=("open",), category="pothole"), name)
    with app.app_context():
        db.session.execute(Issue.__table__.delete().where(Issue.id.in_([visible[6].id, visible[7].id])))
        db.session.commit()
    kept, counted = both_ways(app, 14)
    check_same(kept, counted)
    # one more hidden, one shown again, two deleted
    assert sum(c[0] for c in kept.values()) == len(visible) - 2
