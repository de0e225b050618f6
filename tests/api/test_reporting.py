"""API reporting: a valid report is stored in its area; every bad input is refused, naming the field."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Issue
from tests.conftest import AuthActions
from tests.images import encoded
from tests.testcity import JUST_OUTSIDE, OLD_TOWN, OUTSIDE, RIVERSIDE

VALID = {
    "lat": OLD_TOWN.lat,
    "lon": OLD_TOWN.lon,
    "category": "pothole",
    "title": "Deep pothole at the crossing",
    "description": "Cyclists swerve into traffic to avoid it.",
}


@pytest.fixture
def headers(auth: AuthActions) -> dict[str, str]:
    return auth.headers()


def test_a_report_is_created_in_its_area_with_a_location_header(
    client: FlaskClient, app: Flask, headers: dict[str, str], city: dict[str, int]
) -> None:
    response = client.post("/api/v1/issues", json={**VALID, **RIVERSIDE.latlon}, headers=headers)

    assert response.status_code == 201
    assert response.mimetype == "application/geo+json"
    feature = response.get_json()
    issue_id = feature["id"]
    assert response.headers["Location"] == f"http://localhost/api/v1/issues/{issue_id}"
    assert feature["geometry"] == {"type": "Point", "coordinates": [RIVERSIDE.lon, RIVERSIDE.lat]}
    props = feature["properties"]
    assert (props["area"], props["area_id"]) == ("Riverside", city["Riverside"])
    assert (props["title"], props["description"]) == (VALID["title"], VALID["description"])
    assert (props["category"], props["status"], props["status_type"], props["likes"]) == (
        "pothole",
        "new",
        "open",
        0,
    )
    fetched = client.get(response.headers["Location"]).get_json()
    assert fetched["properties"]["title"] == VALID["title"]
    assert fetched["properties"]["photos"] == []
    with app.app_context():
        stored = db.session.scalars(select(Issue)).one()
        assert (stored.area_id, stored.lon, stored.lat) == (city["Riverside"], RIVERSIDE.lon, RIVERSIDE.lat)
        assert stored.reporter is not None


def test_numbers_may_arrive_as_strings_and_text_is_trimmed(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    body = {**VALID, "lat": str(OLD_TOWN.lat), "lon": f" {OLD_TOWN.lon} ", "title": "  Pothole  "}

    response = client.post("/api/v1/issues", json=body, headers=headers)

    assert response.status_code == 201
    assert response.get_json()["properties"]["title"] == "Pothole"


def test_coordinates_are_stored_and_published_to_a_centimetre(
    client: FlaskClient, app: Flask, headers: dict[str, str]
) -> None:
    body = {**VALID, "lat": OLD_TOWN.lat + 0.000000012345, "lon": OLD_TOWN.lon - 0.000000045678}

    feature = client.post("/api/v1/issues", json=body, headers=headers).get_json()

    expected = [round(OLD_TOWN.lon - 0.000000045678, 7), round(OLD_TOWN.lat + 0.000000012345, 7)]
    assert feature["geometry"]["coordinates"] == expected
    listed = client.get("/api/v1/issues").get_json()["features"]
    assert [f["geometry"]["coordinates"] for f in listed] == [expected]
    with app.app_context():
        stored = db.session.scalars(select(Issue)).one()
        assert [stored.lon, stored.lat] == expected


def test_a_title_of_exactly_120_and_a_description_of_4000_characters_fit(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    body = {**VALID, "title": "t" * 120, "description": "d" * 4000}

    assert client.post("/api/v1/issues", json=body, headers=headers).status_code == 201


def test_a_title_is_one_line(client: FlaskClient, headers: dict[str, str]) -> None:
    """Found from outside: a title with line breaks went into followers' mail as lines of its own
    ("Bcc: ...", a made-up body). A title is one line: 422 naming it; the description keeps its lines."""
    for title in ("Pothole\r\nBcc: evil@example.org", "Pothole\nsecond line", "Pothole\u2028next"):
        refused = client.post("/api/v1/issues", json={**VALID, "title": title}, headers=headers)
        assert refused.status_code == 422, title
        assert refused.get_json()["error"]["field"] == "title"
        assert "line breaks" in refused.get_json()["error"]["message"]
    kept = client.post(
        "/api/v1/issues", json={**VALID, "description": "Deep.\nBy the bus stop."}, headers=headers
    )
    assert kept.status_code == 201


def test_a_hidden_name_is_not_shown(
    client: FlaskClient, make_user: Callable[..., Any], auth: AuthActions
) -> None:
    user = make_user(display_name="Shy Resident")
    headers = auth.headers(user)
    shown = client.post("/api/v1/issues", json=VALID, headers=headers).get_json()
    hidden = client.post("/api/v1/issues", json={**VALID, "hide_name": True}, headers=headers).get_json()

    assert client.get(f"/api/v1/issues/{shown['id']}").get_json()["properties"]["reporter"] == "Shy Resident"
    assert client.get(f"/api/v1/issues/{hidden['id']}").get_json()["properties"]["reporter"] is None


def test_a_hidden_name_stays_hidden_on_the_reporters_own_updates(
    client: FlaskClient, make_user: Callable[..., Any], auth: AuthActions
) -> None:
    """Found from outside: the reporter's name appeared on their anonymous report as soon as they
    posted an update on it (the page, the history and the feed); staff still see who it is."""
    reporter = auth.headers(make_user(display_name="Shy Resident"))
    neighbour = auth.headers(make_user(display_name="Open Neighbour"))
    issue_id = client.post("/api/v1/issues", json={**VALID, "hide_name": True}, headers=reporter).get_json()[
        "id"
    ]
    for headers, text in ((reporter, "Worse after the rain."), (neighbour, "I see it too.")):
        posted = client.post(f"/api/v1/issues/{issue_id}/updates", json={"text": text}, headers=headers)
        assert posted.status_code == 201, posted.get_json()

    history = client.get(f"/api/v1/issues/{issue_id}/history").get_json()
    actors = [entry["actor"] for entry in history["events"] if entry["kind"] == "update"]
    page = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    feed = client.get(f"/feeds/issues/{issue_id}.atom").get_data(as_text=True)
    staff = client.get(f"/api/v1/issues/{issue_id}/history", headers=auth.headers(role="official")).get_json()

    assert actors == ["The reporter", "Open Neighbour"]
    for public in (page, feed):
        assert "Shy Resident" not in public
        assert "The reporter" in public
        assert "Open Neighbour" in public
    assert "Shy Resident" in [entry["actor"] for entry in staff["events"]]


BAD_INPUTS = [
    ({"lat": 90.5}, "lat", "lat must be between -90 and 90, not 90.5"),
    ({"lat": -91}, "lat", "lat must be between -90 and 90, not -91"),
    ({"lon": 180.5}, "lon", "lon must be between -180 and 180, not 180.5"),
    ({"lat": "fifty"}, "lat", "lat must be a number, not 'fifty'"),
    ({"lon": "ten"}, "lon", "lon must be a number, not 'ten'"),
    ({"lat": None}, "lat", "lat is required and must be a number"),
    ({"lat": True}, "lat", "lat is required and must be a number"),
    ({"lon": [10.0]}, "lon", "lon must be a number"),
    ({"lat": "NaN"}, "lat", "lat must be a finite number"),
    (
        OUTSIDE.latlon,
        "location",
        "This point is outside the city: place the pin inside one of its neighbourhoods.",
    ),
    (
        JUST_OUTSIDE.latlon,
        "location",
        "This point is outside the city: place the pin inside one of its neighbourhoods.",
    ),
    ({"category": "volcano"}, "category", "Category 'volcano' is not one of the city's categories."),
    ({"category": ""}, "category", "Category is required."),
    ({"title": ""}, "title", "Title is required."),
    ({"title": "   "}, "title", "Title is required."),
    ({"title": "t" * 121}, "title", "Title must be at most 120 characters (it has 121)."),
    ({"description": ""}, "description", "Description is required."),
    (
        {"description": "d" * 4001},
        "description",
        "Description must be at most 4,000 characters (it has 4,001).",
    ),
    ({"hide_name": "false"}, "hide_name", "hide_name must be true or false."),
    ({"hide_name": 0}, "hide_name", "hide_name must be true or false."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUTS)
def test_bad_input_names_the_field_and_changes_nothing(
    client: FlaskClient,
    headers: dict[str, str],
    table_counts: Callable[[], dict[str, int]],
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = table_counts()

    response = client.post("/api/v1/issues", json={**VALID, **change}, headers=headers)

    assert response.status_code == 422
    assert response.get_json() == {"error": {"code": "invalid", "message": message, "field": field}}
    assert table_counts() == before


@pytest.mark.parametrize(
    ("change", "field", "message"), BAD_INPUTS[:4] + BAD_INPUTS[9:10] + BAD_INPUTS[15:16]
)
def test_bad_input_in_a_multipart_form_is_refused_the_same_way(
    client: FlaskClient,
    headers: dict[str, str],
    table_counts: Callable[[], dict[str, int]],
    upload_files: Callable[[], list[Path]],
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = table_counts()
    form = {**VALID, **change, "photo": (io.BytesIO(encoded("JPEG")), "photo.jpg")}

    response = client.post("/api/v1/issues", data=form, headers=headers, content_type="multipart/form-data")

    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "message": message, "field": field}
    assert table_counts() == before
    assert upload_files() == []


@pytest.mark.parametrize(("value", "hidden"), [("on", True), ("true", True), ("false", False), ("0", False)])
def test_a_form_hide_name_is_read_as_a_checkbox_and_anything_else_refused(
    client: FlaskClient, headers: dict[str, str], value: str, hidden: bool
) -> None:
    form = {**VALID, "hide_name": value}
    created = client.post("/api/v1/issues", data=form, headers=headers, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    fetched = client.get(f"/api/v1/issues/{created.get_json()['id']}").get_json()
    assert (fetched["properties"]["reporter"] is None) == hidden
    refused = client.post(
        "/api/v1/issues",
        data={**VALID, "hide_name": "maybe"},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert refused.get_json()["error"]["field"] == "hide_name"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"hide_nmae": "true"}, "hide_nmae", "hide_nmae is not a field this request takes: it takes "),
        ({"lat": [VALID["lat"], "99"]}, "lat", "lat is sent more than once: send each field once."),
        ({"photo": "not a file"}, "photo", "photo must be sent as a file"),
    ],
)
def test_a_multipart_report_with_a_misspelt_or_repeated_field_is_refused_naming_it(
    client: FlaskClient,
    headers: dict[str, str],
    table_counts: Callable[[], dict[str, int]],
    change: dict[str, Any],
    field: str,
    message: str,
) -> None:
    """Found from outside: `hide_nmae=true` was dropped and the report published under the reporter's
    name, and a second `lat` ignored; JSON bodies were already checked so."""
    before = table_counts()
    form = {**VALID, **change}
    response = client.post("/api/v1/issues", data=form, headers=headers, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field
    assert response.get_json()["error"]["message"].startswith(message)
    assert table_counts() == before


def test_a_multipart_update_with_a_field_it_does_not_take_is_refused(
    client: FlaskClient, headers: dict[str, str]
) -> None:
    issue_id = client.post("/api/v1/issues", json=VALID, headers=headers).get_json()["id"]
    path = f"/api/v1/issues/{issue_id}/updates"
    form = "multipart/form-data"
    refused = client.post(
        path, data={"text": "Still there.", "bogus": "1"}, headers=headers, content_type=form
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["field"] == "bogus"
    history = client.get(f"/api/v1/issues/{issue_id}/history").get_json()
    assert [entry for entry in history["events"] if entry["kind"] == "update"] == []
    posted = client.post(path, data={"text": "Still there."}, headers=headers, content_type=form)
    assert posted.status_code == 201, posted.get_json()


def test_an_anonymous_report_is_refused_with_401(
    client: FlaskClient, table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()

    response = client.post("/api/v1/issues", json=VALID)

    assert response.status_code == 401
    assert response.get_json()["error"] == {
        "code": "unauthenticated",
        "message": "Log in, or send an Authorization: Bearer token, to do this.",
        "field": None,
    }
    assert table_counts() == before


def test_a_blocked_resident_cannot_report(
    client: FlaskClient, auth: AuthActions, table_counts: Callable[[], dict[str, int]]
) -> None:
    headers = auth.headers(is_blocked=True)
    before = table_counts()

    response = client.post("/api/v1/issues", json=VALID, headers=headers)

    assert response.status_code == 403
    assert response.get_json()["error"]["message"] == "This account is blocked and cannot report problems."
    assert table_counts() == before


def test_a_missing_issue_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/issues/999999")

    assert response.status_code == 404
    assert response.get_json()["error"] == {
        "code": "not_found",
        "message": "There is no issue 999999.",
        "field": "issue_id",
    }
