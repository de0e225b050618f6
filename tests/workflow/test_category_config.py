"""Admins configure the categories residents report under: add, rename, reorder, delete unused ones.

Found from outside: the ten categories were fixed in code, so a city with snow clearing (or without a
graffiti service) had to change the code."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AuthActions
from tests.testcity import OLD_TOWN
from tests.workflow.issue_state import audit_actions


def test_an_admin_adds_renames_and_reorders_a_category_residents_then_report_under(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    resident = auth.headers(make_user())  # a token asked for before the admin's cookie is in the jar
    auth.login_as(make_user(role="admin"))

    added = client.post(
        "/staff/admin/categories",
        data={"code": "snow", "name": "Snow on the pavement"},
        follow_redirects=True,
    )
    assert "Category &#39;snow&#39; added: residents can report under it now." in added.get_data(as_text=True)
    services = client.get("/open311/v2/services.json").get_json()
    assert {"service_code": "snow", "service_name": "Snow on the pavement"}.items() <= services[-1].items()
    client.post("/staff/admin/categories/snow/update", data={"c-snow-name": "Snow or ice"})
    client.post("/staff/admin/categories/snow/move", data={"direction": "up"})

    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").get_json()]
    assert codes[-2:] == ["snow", "waste-bin"]
    report = client.post(
        "/api/v1/issues",
        json={
            "lat": OLD_TOWN.lat,
            "lon": OLD_TOWN.lon,
            "category": "snow",
            "title": "Icy steps",
            "description": "Slippery.",
        },
        headers=resident,
    )
    assert report.status_code == 201, report.get_json()
    assert report.get_json()["properties"]["category_name"] == "Snow or ice"
    client.post("/staff/admin/categories/snow/update", data={"c-snow-name": "Snow and ice"})
    issue = client.get(f"/api/v1/issues/{report.get_json()['id']}").get_json()
    assert issue["properties"]["category_name"] == "Snow and ice"  # the stored Feature follows
    assert [a for a, _ in audit_actions(app)][-4:] == [
        "category.add",
        "category.rename",
        "category.move",
        "category.rename",
    ]
    log = re.sub(r"\s+", " ", client.get("/staff/admin/audit").get_data(as_text=True))
    assert "renamed category Snow or ice to Snow and ice (snow)" in log


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/staff/admin/categories", {"code": "Bad Code!", "name": "X"}, "lowercase letters"),
        ("/staff/admin/categories", {"code": "pothole", "name": "Again"}, "already exists"),
        ("/staff/admin/categories", {"code": "ok-code", "name": ""}, "Name is required"),
        ("/staff/admin/categories", {"code": "ok-code", "name": "ILLEGAL DUMPING"}, "is already named"),
        # Found from outside: names that show as nothing, turn the line around, or read as another's.
        ("/staff/admin/categories", {"code": "ok-code", "name": "\u200b\u2800"}, "Name is required"),
        ("/staff/admin/categories", {"code": "ok-code", "name": "abc\u202edcba"}, "text-direction override"),
        ("/staff/admin/categories", {"code": "ok-code", "name": "a\u0007b"}, "control characters"),
        (
            "/staff/admin/categories",
            {"code": "ok-code", "name": "ＰOTHOLE OR ROAD DAMAGE"},
            "is already named",
        ),
        ("/staff/admin/categories", {"code": "ok-code", "name": "Overflowing bin\u200b"}, "drawn as nothing"),
        ("/staff/admin/categories", {"code": "ok-code", "name": "DAMAGED SIDEWALK"}, "is already named"),
        ("/staff/admin/categories/tree/update", {"c-tree-name": "Broken street light"}, "is already named"),
        ("/staff/admin/categories/pothole/delete", {}, "has 1 report: it cannot be deleted"),
        ("/staff/admin/categories/pothole/move", {"direction": "up"}, "is already first"),
        ("/staff/admin/categories/nope/delete", {}, "There is no category"),
    ],
)
def test_bad_category_changes_are_refused_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
    url: str,
    data: dict[str, str],
    message: str,
) -> None:
    make_issue(category="pothole")
    auth.login_as(make_user(role="admin"))
    before = client.get("/open311/v2/services.json").get_json()

    response = client.post(url, data=data)

    assert response.status_code in (404, 409, 422)
    assert message in response.get_data(as_text=True)
    assert client.get("/open311/v2/services.json").get_json() == before
    assert audit_actions(app) == []


def test_an_unused_category_is_deleted(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    auth.login_as(make_user(role="admin"))
    page = client.get("/staff/admin/categories").get_data(as_text=True)
    assert "Delete Graffiti or vandalism" in page

    client.post("/staff/admin/categories/graffiti/delete", data={})

    codes = [s["service_code"] for s in client.get("/open311/v2/services.json").get_json()]
    assert "graffiti" not in codes
    assert [a for a, _ in audit_actions(app)] == ["category.delete"]
