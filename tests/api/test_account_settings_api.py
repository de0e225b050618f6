"""The JSON API's account settings: reset by mailed token, password change, email change, profile."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD
from tests.mailbox import Outbox, link_in, mails_to

MakeUser = Callable[..., User]


def reload(app: Flask, user_id: int) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        found = db.session.get(User, user_id)
        assert found is not None
        return found


def error_of(response) -> tuple[int, str, str | None]:  # type: ignore[no-untyped-def]
    body = response.get_json()["error"]
    return response.status_code, body["code"], body["field"]


def test_a_reset_through_the_api_ends_every_token(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user()
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}
    asked = client.post("/api/v1/account/password-reset", json={"email": user.email.upper()})
    assert asked.status_code == 202
    assert asked.get_json()["status"] == "reset_link_sent"
    token = link_in(
        mails_to(outbox, user.email, "Reset your Commonfix password")[0], "/account/password/reset/"
    )
    token = token.removeprefix("/account/password/reset/")

    short = client.post(
        "/api/v1/account/password-reset/completion", json={"token": token, "password": "short"}
    )
    assert error_of(short) == (422, "invalid", "password")
    common = client.post(
        "/api/v1/account/password-reset/completion", json={"token": token, "password": "password1"}
    )
    assert error_of(common) == (422, "invalid", "password")
    missing = client.post("/api/v1/account/password-reset/completion", json={"password": "long-enough-1"})
    assert error_of(missing) == (422, "invalid", "token")
    done = client.post(
        "/api/v1/account/password-reset/completion", json={"token": token, "password": "long-enough-1"}
    )
    assert done.status_code == 204
    assert client.get("/api/v1/account", headers=bearer).status_code == 401
    again = client.post(
        "/api/v1/account/password-reset/completion", json={"token": token, "password": "other-one-22"}
    )
    assert error_of(again) == (410, "link_used", "token")
    assert auth.token(user.email, "long-enough-1")


def test_changing_the_password_through_the_api(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    user = make_user()
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}
    before = reload(app, user.id).password_hash
    wrong = client.put(
        "/api/v1/account/password",
        json={"current_password": "nope", "new_password": "long-enough-1"},
        headers=bearer,
    )
    assert error_of(wrong) == (422, "invalid", "current_password")
    same = client.put(
        "/api/v1/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": DEFAULT_PASSWORD},
        headers=bearer,
    )
    assert error_of(same) == (422, "invalid", "new_password")
    common = client.put(
        "/api/v1/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "12345678"},
        headers=bearer,
    )
    assert error_of(common) == (422, "invalid", "new_password")
    assert common.get_json()["error"]["message"].startswith("The new password is too easy to guess: ")
    assert reload(app, user.id).password_hash == before
    done = client.put(
        "/api/v1/account/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "long-enough-1"},
        headers=bearer,
    )
    assert done.status_code == 204
    assert client.get("/api/v1/account", headers=bearer).status_code == 200  # tokens stay (listed, revocable)
    assert auth.token(user.email, "long-enough-1")
    assert client.put("/api/v1/account/password", json={}).status_code == 401


def test_a_password_change_can_stop_every_api_token(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    user = make_user()
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}
    other = {"Authorization": f"Bearer {auth.token(user.email)}"}
    before = reload(app, user.id).password_hash
    change = {"current_password": DEFAULT_PASSWORD, "new_password": "long-enough-1"}
    for bad in ("yes", 1, None):
        body = {**change, "revoke_tokens": bad}
        refused = client.put("/api/v1/account/password", json=body, headers=bearer)
        assert error_of(refused) == (422, "invalid", "revoke_tokens")
    assert reload(app, user.id).password_hash == before
    done = client.put("/api/v1/account/password", json={**change, "revoke_tokens": True}, headers=bearer)
    assert done.status_code == 204
    assert client.get("/api/v1/account", headers=bearer).status_code == 401
    assert client.get("/api/v1/account", headers=other).status_code == 401
    assert auth.token(user.email, "long-enough-1")  # a new one works


def test_an_email_change_through_the_api_answers_the_same_for_a_used_address(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user(email="me@example.org")
    make_user(email="taken@example.org")
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}
    answers = {}
    for address in ("taken@example.org", "free@example.org"):
        response = client.post(
            "/api/v1/account/email", json={"new_email": address, "password": DEFAULT_PASSWORD}, headers=bearer
        )
        answers[address] = (response.status_code, response.get_data(as_text=True).replace(address, "X"))
    assert answers["taken@example.org"] == answers["free@example.org"]
    assert answers["free@example.org"][0] == 202
    wrong = client.post(
        "/api/v1/account/email", json={"new_email": "x@example.org", "password": "nope"}, headers=bearer
    )
    assert error_of(wrong) == (422, "invalid", "password")
    bad = client.post(
        "/api/v1/account/email", json={"new_email": "x", "password": DEFAULT_PASSWORD}, headers=bearer
    )
    assert error_of(bad) == (422, "invalid", "new_email")
    assert reload(app, user.id).email == "me@example.org"
    assert mails_to(outbox, "x@example.org") == []


def test_the_profile_through_the_api(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    user = make_user(display_name="Before")
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}
    assert client.get("/api/v1/account", headers=bearer).get_json()["profile"]["hide_name_default"] is False
    for body, field in (
        ({}, "display_name"),
        ({"display_name": "  "}, "display_name"),
        ({"display_name": "x" * 61}, "display_name"),
        ({"display_name": 5}, "display_name"),
        ({"display_name": {"first": "Ana"}}, "display_name"),
        ({"display_name": "Ana\u0007"}, "display_name"),
        ({"display_name": "\u200b\u200b"}, "display_name"),
        ({"display_name": "Ana \u202elaiciffo ytic"}, "display_name"),  # shows as "Ana city official"
        ({"hide_name_default": "yes"}, "hide_name_default"),
        ({"hide_name_default": 1}, "hide_name_default"),
    ):
        response = client.patch("/api/v1/account", json=body, headers=bearer)
        assert error_of(response) == (422, "invalid", field), body
    assert (
        client.patch(
            "/api/v1/account", data="[]", headers={**bearer, "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    unchanged = reload(app, user.id)
    assert (unchanged.display_name, unchanged.hide_name_default) == ("Before", False)

    done = client.patch(
        "/api/v1/account", json={"display_name": "After", "hide_name_default": True}, headers=bearer
    )
    assert done.status_code == 200
    assert done.get_json()["display_name"] == "After"
    assert done.get_json()["hide_name_default"] is True
    profile = client.get("/api/v1/account", headers=bearer).get_json()["profile"]
    assert (profile["display_name"], profile["hide_name_default"]) == ("After", True)
