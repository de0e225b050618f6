"""A report made through the API before the address is confirmed says it is held (found from outside: the
answer read as a published report, and the account's list said "hidden": false), and a new report's
answer carries the reporter's name and photos as fetching it does."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from app.models import User
from tests.api.test_reporting import VALID
from tests.conftest import AuthActions


def test_a_report_from_an_unconfirmed_address_says_it_is_held(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    user = make_user(email_confirmed=False, display_name="Maria")
    headers = auth.headers(user)
    made = client.post("/api/v1/issues", json=VALID, headers=headers)
    assert made.status_code == 201
    props = made.get_json()["properties"]
    assert props["held"] is True
    assert (props["reporter"], props["photos"]) == ("Maria", [])
    assert client.get(made.headers["Location"]).status_code == 404  # not public meanwhile
    (line,) = client.get("/api/v1/account", headers=headers).get_json()["reports"]
    assert (line["id"], line["held"], line["hidden"]) == (made.get_json()["id"], True, False)


def test_a_report_from_a_confirmed_address_is_published_at_once(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    user = make_user(display_name="Rita")
    headers = auth.headers(user)
    made = client.post("/api/v1/issues", json={**VALID, "hide_name": True}, headers=headers)
    assert made.status_code == 201
    props = made.get_json()["properties"]
    assert (props["held"], props["reporter"], props["photos"]) == (False, None, [])
    (line,) = client.get("/api/v1/account", headers=headers).get_json()["reports"]
    assert line["held"] is False
