"""API reference data: categories, statuses and the areas as GeoJSON."""

from __future__ import annotations

from flask.testing import FlaskClient
from shapely.geometry import LinearRing

from app.services.issues.places import DEFAULT_CATEGORIES, DEFAULT_STATUSES
from tests.conftest import AuthActions
from tests.testcity import AREA_BOXES, JUST_OUTSIDE, OLD_TOWN, OUTSIDE


def test_categories_are_listed_in_order_with_code_and_name(client: FlaskClient) -> None:
    response = client.get("/api/v1/categories")

    assert response.status_code == 200
    assert response.get_json() == [{"code": code, "name": name} for code, name in DEFAULT_CATEGORIES]


def test_statuses_carry_their_type(client: FlaskClient) -> None:
    body = client.get("/api/v1/statuses").get_json()

    assert [(s["code"], s["type"]) for s in body] == [(code, str(kind)) for code, _, kind in DEFAULT_STATUSES]


def test_areas_are_a_geojson_feature_collection_of_multipolygons(
    client: FlaskClient, city: dict[str, int]
) -> None:
    response = client.get("/api/v1/areas")

    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in body["features"]}
    assert set(by_name) == set(AREA_BOXES)
    for name, feature in by_name.items():
        assert feature["type"] == "Feature"
        assert feature["id"] == feature["properties"]["id"] == city[name]
        assert feature["geometry"]["type"] == "MultiPolygon"
        ring = feature["geometry"]["coordinates"][0][0]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        assert (min(lons), min(lats), max(lons), max(lats)) == AREA_BOXES[name]
        assert LinearRing(ring).is_ccw  # RFC 7946: an outer ring counterclockwise
    assert by_name["Old Town"]["properties"]["slug"] == "old-town"


def test_the_area_at_a_point_is_the_one_a_report_there_gets(
    client: FlaskClient, city: dict[str, int], auth: AuthActions
) -> None:
    """The report form asks it as soon as a pin is placed, so a pin outside the city is said at once."""
    inside = client.get("/api/v1/areas/at", query_string=OLD_TOWN.latlon)
    assert inside.status_code == 200
    assert inside.get_json() == {"area": {"id": city["Old Town"], "name": "Old Town"}}
    for place in (OUTSIDE, JUST_OUTSIDE):
        assert client.get("/api/v1/areas/at", query_string=place.latlon).get_json() == {"area": None}
        refused = client.post(
            "/api/v1/issues",
            json={**place.latlon, "category": "pothole", "title": "Hole", "description": "Deep."},
            headers=auth.headers(),
        )
        assert refused.status_code == 422
        assert refused.get_json()["error"]["field"] == "location"
    for query, field in (({"lat": "north", "lon": "10"}, "lat"), ({"lat": "50"}, "lon")):
        bad = client.get("/api/v1/areas/at", query_string=query)
        assert bad.status_code == 422
        assert bad.get_json()["error"]["field"] == field
