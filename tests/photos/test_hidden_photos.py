"""Photos of hidden content: 404 to the public and to residents, served to staff, never cached publicly."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import IssueEvent, Photo, User
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.testcity import OLD_TOWN

PUBLIC_CACHE = "private, max-age=300"
STAFF_ONLY_CACHE = "private, no-store"


@dataclass(frozen=True)
class Reported:
    issue_id: int
    photo_id: int
    url: str  # the photo's path, as pages link it


@pytest.fixture
def resident(make_user: Callable[..., User]) -> User:
    return make_user(role="resident")


@pytest.fixture
def report_with_photo(
    app: Flask, client: FlaskClient, auth: AuthActions, resident: User
) -> Callable[[], Reported]:
    def report() -> Reported:
        response = client.post(
            "/api/v1/issues",
            data={
                **{k: str(v) for k, v in OLD_TOWN.latlon.items()},
                "category": "dumping",
                "title": "Mattresses dumped",
                "description": "Since Monday.",
                "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg"),
            },
            content_type="multipart/form-data",
            headers=auth.headers(resident),
        )
        assert response.status_code == 201, response.get_json()
        issue_id = int(response.get_json()["properties"]["id"])
        with app.app_context():
            photo_id, filename = db.session.execute(
                select(Photo.id, Photo.filename).where(Photo.issue_id == issue_id)
            ).one()
        return Reported(issue_id, photo_id, f"/issues/photos/{filename}")

    return report


def as_viewer(auth: AuthActions, make_user: Callable[..., User], viewer: str, resident: User) -> None:
    auth.logout()
    if viewer == "resident":
        auth.login_as(resident)
    elif viewer != "anonymous":
        auth.login_as(make_user(role=viewer))


def moderate(auth: AuthActions, make_user: Callable[..., User], path: str) -> None:
    auth.login_as(make_user(role="official"))
    assert auth.client.post(path, data={}).status_code == 302
    auth.logout()


def test_a_public_photo_is_served_to_everyone_for_the_browser_only(
    client: FlaskClient, report_with_photo: Callable[[], Reported]
) -> None:
    reported = report_with_photo()

    served = client.get(reported.url)

    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == PUBLIC_CACHE
    assert "public" not in served.headers["Cache-Control"]  # never kept by a shared cache
    assert served.headers["ETag"]
    again = client.get(reported.url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    ("viewer", "status", "cache"),
    [
        ("anonymous", 404, "no-store"),
        ("resident", 404, "no-store"),
        ("official", 200, STAFF_ONLY_CACHE),
        ("admin", 200, STAFF_ONLY_CACHE),
    ],
)
def test_a_photo_hidden_by_a_moderator_is_only_for_staff(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    resident: User,
    report_with_photo: Callable[[], Reported],
    viewer: str,
    status: int,
    cache: str,
) -> None:
    reported = report_with_photo()
    moderate(auth, make_user, f"/staff/photos/{reported.photo_id}/hide")
    as_viewer(auth, make_user, viewer, resident)

    served = client.get(reported.url)

    assert served.status_code == status
    assert served.headers["Cache-Control"] == cache
    if status == 200:
        assert served.mimetype == "image/jpeg"
        assert served.data[:2] == b"\xff\xd8"


@pytest.mark.parametrize(("viewer", "status"), [("anonymous", 404), ("resident", 404), ("official", 200)])
def test_the_photo_of_a_hidden_issue_is_only_for_staff(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    resident: User,
    report_with_photo: Callable[[], Reported],
    viewer: str,
    status: int,
) -> None:
    reported = report_with_photo()
    moderate(auth, make_user, f"/staff/issues/{reported.issue_id}/hide")
    as_viewer(auth, make_user, viewer, resident)

    assert client.get(reported.url).status_code == status


def test_a_photo_shown_again_is_public_again(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    report_with_photo: Callable[[], Reported],
) -> None:
    reported = report_with_photo()
    moderate(auth, make_user, f"/staff/photos/{reported.photo_id}/hide")
    assert client.get(reported.url).status_code == 404

    moderate(auth, make_user, f"/staff/photos/{reported.photo_id}/unhide")

    served = client.get(reported.url)
    assert served.status_code == 200
    assert served.headers["Cache-Control"] == PUBLIC_CACHE


def test_the_photo_of_a_hidden_update_is_only_for_staff(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_issue: Callable[..., Any],
    resident: User,
) -> None:
    issue = make_issue()
    posted = client.post(
        f"/api/v1/issues/{issue.id}/updates",
        data={"text": "Look at this.", "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg")},
        content_type="multipart/form-data",
        headers=auth.headers(resident),
    )
    assert posted.status_code == 201, posted.get_json()
    with app.app_context():
        event_id, filename = db.session.execute(
            select(IssueEvent.id, Photo.filename).join(Photo, Photo.event_id == IssueEvent.id)
        ).one()
    url = f"/issues/photos/{filename}"
    assert client.get(url).status_code == 200

    moderate(auth, make_user, f"/staff/updates/{event_id}/hide")

    assert client.get(url).status_code == 404
    auth.login_as(make_user(role="official"))
    assert client.get(url).status_code == 200


def test_an_unknown_photo_name_is_404_and_no_path_leaves_the_store(client: FlaskClient) -> None:
    for path in (
        "/issues/photos/" + "0" * 32 + ".jpg",
        "/issues/photos/../config.py",
        "/issues/photos/a/b.jpg",
        "/issues/photos/%00.jpg",
        "/issues/photos/" + "0" * 32 + ".jpg%00",
    ):
        response = client.get(path)
        assert response.status_code == 404, path


def test_no_page_or_feed_links_a_hidden_photo_for_the_public(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    report_with_photo: Callable[[], Reported],
) -> None:
    shown, hidden = report_with_photo(), report_with_photo()
    moderate(auth, make_user, f"/staff/photos/{hidden.photo_id}/hide")
    hidden_name = hidden.url.rsplit("/", 1)[1]

    page = client.get(f"/issues/{hidden.issue_id}").get_data(as_text=True)
    api = client.get(f"/api/v1/issues/{hidden.issue_id}").get_json()["properties"]
    open311 = client.get("/open311/v2/requests.json").get_json()
    open311_xml = client.get("/open311/v2/requests.xml").get_data(as_text=True)

    assert hidden_name not in page
    assert api["photos"] == []
    media = {r["service_request_id"]: r["media_url"] for r in open311}
    assert media[str(hidden.issue_id)] == ""
    assert media[str(shown.issue_id)].endswith(shown.url)
    assert hidden_name not in open311_xml
    for listing in ("/feeds/issues.atom", f"/feeds/issues/{hidden.issue_id}.atom", "/api/v1/issues"):
        response = client.get(listing)
        assert response.status_code == 200, listing
        assert hidden_name not in response.get_data(as_text=True), listing


def test_staff_still_see_the_hidden_photo_on_the_problem_page(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    report_with_photo: Callable[[], Reported],
) -> None:
    reported = report_with_photo()
    moderate(auth, make_user, f"/staff/photos/{reported.photo_id}/hide")
    auth.login_as(make_user(role="official"))

    page = client.get(f"/issues/{reported.issue_id}").get_data(as_text=True)

    assert reported.url in page  # the staff panel's "Report photos", with "Show photo"
    assert "Show photo" in page
