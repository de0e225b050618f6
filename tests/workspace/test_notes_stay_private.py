"""Internal notes never leave the staff's view: not on the public page, in feeds, exports or the API."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from tests.conftest import AuthActions

SECRET = "Contractor quote 4711 (internal)"


@pytest.fixture
def noted(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., User],
) -> dict[str, Any]:
    """A problem with an internal note, its reporter, and the official who wrote the note."""
    reporter = make_user(display_name="Rita")
    issue = make_issue(reporter=reporter, title="Broken bench")
    official = make_user(role="official", display_name="Olivia")
    auth.login_as(official)
    client.post(f"/staff/issues/{issue.id}/notes", data={"body": SECRET})
    assert SECRET in client.get(f"/issues/{issue.id}").get_data(as_text=True)  # staff read it
    auth.logout()
    return {"issue": issue, "reporter": reporter, "official": official}


def _public_urls(issue_id: int, area_id: int) -> list[str]:
    return [
        f"/issues/{issue_id}",
        "/",
        "/priorities",
        "/feeds/issues.atom",
        f"/feeds/areas/{area_id}.atom",
        f"/feeds/issues/{issue_id}.atom",
        f"/api/v1/issues/{issue_id}",
        f"/api/v1/issues/{issue_id}/history",
        "/api/v1/issues?bbox=9.9,49.9,10.2,50.2",
        "/open311/v2/requests.json",
        f"/open311/v2/requests/{issue_id}.json",
        "/open311/v2/requests.xml",
    ]


def test_the_public_and_the_reporter_never_see_the_note(
    client: FlaskClient, auth: AuthActions, noted: dict[str, Any]
) -> None:
    issue = noted["issue"]
    for url in _public_urls(issue.id, issue.area_id):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.get_data(as_text=True), url
        assert "Internal note" not in response.get_data(as_text=True), url

    auth.login_as(noted["reporter"])
    for url in _public_urls(issue.id, issue.area_id):
        assert SECRET not in client.get(url).get_data(as_text=True), url
    assert SECRET not in client.get("/account").get_data(as_text=True)


def test_the_reporters_data_download_holds_no_note(
    client: FlaskClient, auth: AuthActions, noted: dict[str, Any]
) -> None:
    response = client.get("/api/v1/account/export", headers=auth.headers(noted["reporter"]))
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        data = archive.read("data.json").decode()
    assert "Broken bench" in data  # the report itself is there
    assert SECRET not in data


def test_the_exports_hold_no_note_even_for_staff(
    client: FlaskClient, auth: AuthActions, noted: dict[str, Any]
) -> None:
    headers = auth.headers(noted["official"])
    for url in ("/api/v1/exports/issues.csv", "/api/v1/exports/issues.geojson"):
        body = client.get(url, headers=headers).get_data(as_text=True)
        assert "Broken bench" in body, url
        assert SECRET not in body, url
    auth.login_as(noted["official"])
    for url in ("/staff/exports/issues.csv?sort=newest", "/staff/exports/issues.geojson"):
        body = client.get(url).get_data(as_text=True)
        assert "Broken bench" in body, url
        assert SECRET not in body, url
