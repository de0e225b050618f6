"""API "Already reported?" suggestions: open, same-category problems within 250 m, nearest first."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Issue
from geo.distance import distance_m
from tests.conftest import AuthActions
from tests.testcity import OLD_TOWN, Place

MakeIssue = Callable[..., Issue]


def north_of(place: Place, metres: float) -> Place:
    return Place(place.lon, place.lat + metres / 111_250)


def east_of(place: Place, metres: float) -> Place:
    return Place(place.lon + metres / (111_250 * math.cos(math.radians(place.lat))), place.lat)


def suggest(
    client: FlaskClient, place: Place, category: str = "pothole", **headers: str
) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/v1/issues/suggestions?lat={place.lat}&lon={place.lon}&category={category}", headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["radius_m"] == 250
    return list(response.get_json()["features"])


def test_up_to_five_open_same_category_issues_within_250_m_nearest_first(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    near = [
        make_issue(place=north_of(OLD_TOWN, 200), title="200 m"),
        make_issue(place=east_of(OLD_TOWN, 20), title="20 m"),
        make_issue(place=north_of(OLD_TOWN, 120), title="120 m", status="in-progress"),
        make_issue(place=east_of(OLD_TOWN, -60), title="60 m"),
        make_issue(place=north_of(OLD_TOWN, -90), title="90 m", likes_from=3),
        make_issue(place=east_of(OLD_TOWN, 240), title="240 m"),
    ]
    make_issue(place=north_of(OLD_TOWN, 280), title="too far")
    make_issue(place=east_of(OLD_TOWN, 5), title="closed", status="closed")
    make_issue(place=east_of(OLD_TOWN, 5), title="fixed", status="fixed")
    make_issue(place=east_of(OLD_TOWN, 5), title="other category", category="graffiti")

    features = suggest(client, OLD_TOWN)

    assert [f["properties"]["title"] for f in features] == ["20 m", "60 m", "90 m", "120 m", "200 m"]
    by_title = {i.title: i for i in near}
    for feature in features:
        issue = by_title[feature["properties"]["title"]]
        assert feature["properties"]["distance_m"] == round(
            distance_m(OLD_TOWN.lon, OLD_TOWN.lat, issue.lon, issue.lat)
        )
        assert feature["properties"]["liked_by_me"] is False
    assert features[2]["properties"]["likes"] == 3


def test_the_250_m_radius_is_measured_on_the_ellipsoid(client: FlaskClient, make_issue: MakeIssue) -> None:
    inside = make_issue(place=east_of(OLD_TOWN, 248))
    make_issue(place=east_of(OLD_TOWN, 252))

    features = suggest(client, OLD_TOWN)

    assert [f["id"] for f in features] == [inside.id]


def test_nothing_nearby_is_an_empty_collection(client: FlaskClient, make_issue: MakeIssue) -> None:
    make_issue(category="graffiti")

    assert suggest(client, OLD_TOWN, category="pothole") == []


def test_suggestions_mark_the_ones_the_resident_already_likes(
    client: FlaskClient, make_issue: MakeIssue, auth: AuthActions
) -> None:
    liked, other = make_issue(), make_issue(place=east_of(OLD_TOWN, 30))
    headers = auth.headers()
    client.post(f"/api/v1/issues/{liked.id}/like", headers=headers)

    features = suggest(client, OLD_TOWN, **headers)

    assert {f["id"]: f["properties"]["liked_by_me"] for f in features} == {liked.id: True, other.id: False}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("lon=10.005&category=pothole", "lat", "lat is required and must be a number"),
        ("lat=95&lon=10.005&category=pothole", "lat", "lat must be between -90 and 90, not 95"),
        ("lat=50.005&lon=east&category=pothole", "lon", "lon must be a number, not 'east'"),
        ("lat=50.005&lon=10.005", "category", "category is required."),
        ("lat=50.005&lon=10.005&category=volcano", "category", "Category 'volcano' is unknown."),
    ],
)
def test_bad_suggestion_queries_name_the_field(
    client: FlaskClient, query: str, field: str, message: str
) -> None:
    response = client.get(f"/api/v1/issues/suggestions?{query}")

    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "message": message, "field": field}
