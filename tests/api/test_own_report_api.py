"""A reporter's own report through the API, as on its page: the name at any time, the text and the
report itself while nobody else has taken it up (found from outside: the API offered neither)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from app.services.issues import likes
from tests.api.test_reporting import VALID
from tests.conftest import AuthActions


def test_a_reporter_corrects_hides_their_name_and_withdraws_through_the_api(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    reporter = auth.headers(make_user(display_name="Rosa Reporter"))
    stranger = auth.headers(make_user())
    issue_id = client.post("/api/v1/issues", json=VALID, headers=reporter).get_json()["id"]
    path = f"/api/v1/issues/{issue_id}"

    corrected = client.patch(
        path, json={"title": "Broken step at number 12", "hide_name": True}, headers=reporter
    )

    assert corrected.status_code == 200, corrected.get_json()
    assert corrected.get_json()["properties"]["title"] == "Broken step at number 12"
    assert corrected.get_json()["properties"]["reporter"] is None
    assert client.patch(path, json={"hide_name": True}, headers=stranger).status_code == 404
    assert client.delete(path, headers=stranger).status_code == 404
    for body, field in (({}, "title"), ({"hide_name": "yes"}, "hide_name"), ({"title": ""}, "title")):
        refused = client.patch(path, json=body, headers=reporter)
        assert refused.status_code == 422, body
        assert refused.get_json()["error"]["field"] == field, body
    assert client.get(path).get_json()["properties"]["title"] == "Broken step at number 12"

    assert client.delete(path, headers=reporter).status_code == 204
    assert client.get(path).status_code == 404
    again = client.post("/api/v1/issues", json=VALID, headers=reporter).get_json()["id"]
    assert again != issue_id  # the retired report keeps its id


def test_once_a_neighbour_likes_it_only_the_name_changes(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    reporter = auth.headers(make_user(display_name="Rosa Reporter"))
    issue_id = client.post("/api/v1/issues", json=VALID, headers=reporter).get_json()["id"]
    neighbour = make_user()
    with app.app_context():
        likes.like(db.session, db.session.get(User, neighbour.id), issue_id)
        db.session.commit()
    path = f"/api/v1/issues/{issue_id}"

    edited = client.patch(path, json={"title": "Changed", "hide_name": True}, headers=reporter)
    withdrawn = client.delete(path, headers=reporter)

    for refused in (edited, withdrawn):
        assert refused.status_code == 409
        assert "residents liked it" in refused.get_json()["error"]["message"]
    shown = client.get(path).get_json()["properties"]
    assert (shown["title"], shown["reporter"]) == (VALID["title"], "Rosa Reporter")  # nothing stored
    assert client.patch(path, json={"hide_name": True}, headers=reporter).status_code == 200
    assert client.get(path).get_json()["properties"]["reporter"] is None
