"""API accounts: registration, bearer tokens and how the API recognises a resident."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import ApiToken, User
from app.models.timestamps import utcnow
from app.services.accounts.users import token_digest
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD

NEW_RESIDENT = {
    "email": "Ada@Example.org",
    "display_name": "  Ada   Lovelace ",
    "password": "analytical-engine",
}


def error_of(response: Any) -> dict[str, Any]:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return dict(body["error"])


def test_registration_creates_an_unconfirmed_resident_with_a_hashed_password(
    client: FlaskClient, app: Flask, outbox: Callable[[], list[EmailMessage]]
) -> None:
    response = client.post("/api/v1/users", json=NEW_RESIDENT)

    assert response.status_code == 202
    assert response.get_json() == {
        "email": "ada@example.org",
        "status": "confirmation_sent",
        "message": "We sent a message to ada@example.org: open its link to confirm the address.",
    }
    [mail] = outbox()
    assert mail["To"] == "ada@example.org"
    assert "/account/confirm/" in mail.get_body().get_content()  # type: ignore[union-attr]
    # Sentences are not hard-wrapped (found from outside: they broke mid-sentence on a phone).
    assert "you cannot like, follow, pledge, vote, join a group" in mail.get_body().get_content()  # type: ignore[union-attr]
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ada@example.org"))
        assert user is not None
        assert user.email_confirmed_at is None
        assert user.display_name == "Ada Lovelace"
        assert user.password_hash.startswith("scrypt:")
        assert NEW_RESIDENT["password"] not in user.password_hash
        assert check_password_hash(user.password_hash, NEW_RESIDENT["password"])


def test_registering_a_known_address_answers_as_a_new_one_and_mails_its_owner(
    app: Flask, client: FlaskClient, count_rows: Callable[..., int], outbox: Callable[[], list[EmailMessage]]
) -> None:
    first = client.post("/api/v1/users", json=NEW_RESIDENT)
    with app.app_context():
        db.session.execute(update(User).values(email_confirmed_at=utcnow()))
        db.session.commit()

    again = client.post("/api/v1/users", json={**NEW_RESIDENT, "email": "ada@example.org"})

    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert count_rows(User) == 1
    owner_note = outbox()[-1]
    assert owner_note["To"] == "ada@example.org"
    assert owner_note["Subject"] == "Someone tried to register with your address on Commonfix"


def test_registering_an_unconfirmed_address_again_mails_a_new_link(
    client: FlaskClient, count_rows: Callable[..., int], outbox: Callable[[], list[EmailMessage]]
) -> None:
    """Found from outside: "register again to get a new message" brought a message with no link."""
    first = client.post("/api/v1/users", json=NEW_RESIDENT)

    again = client.post("/api/v1/users", json={**NEW_RESIDENT, "password": "another long passphrase 7"})

    assert (again.status_code, again.get_data()) == (first.status_code, first.get_data())
    assert count_rows(User) == 1
    first_link, second_link = (m for m in outbox() if m["To"] == "ada@example.org")
    assert second_link["Subject"] == first_link["Subject"] == "Confirm your email address for Commonfix"
    text = second_link.get_body().get_content()  # type: ignore[union-attr]
    assert "/account/confirm/" in text
    assert "Opening the link, you choose the account's password" in text


INVALID = "Email must be a valid address like name@example.org."


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", f"{INVALID} An email address must have an @-sign."),
        (
            {"email": "a@b"},
            "email",
            f"{INVALID} The part after the @-sign is not valid. It should have a period.",
        ),
        # Found from outside: a trailing dot (the same mailbox) made a second account for one address.
        ({"email": "ada@example.org."}, "email", f"{INVALID} An email address cannot end with a period."),
        (
            {"email": "ada@[127.0.0.1]"},
            "email",
            f"{INVALID} A bracketed IP address after the @-sign is not allowed here.",
        ),
        ({"email": ""}, "email", "Email is required."),
        ({"password": "short"}, "password", "Password must be at least 8 characters."),
        ({"password": "x" * 201}, "password", "Password must be at most 200 characters."),
        # Found from outside: "password1" and "12345678" made residents' accounts.
        (
            {"password": "password1"},
            "password",
            "Password is too easy to guess: This is a very common password. Use a few unrelated words.",
        ),
        (
            {"password": "qwertyuiop"},
            "password",
            "Password is too easy to guess: This is a top-100 common password. Use a few unrelated words.",
        ),
        # A password past zxcvbn's 72 characters is judged by its beginning (it had been a 500).
        (
            {"password": "x" * 150},
            "password",
            'Password is too easy to guess: Repeats like "aaa" are easy to guess. Use a few unrelated words.',
        ),
        (
            {"password": "lovelace"},
            "password",
            "Password is too easy to guess: It is among those tried first, or close to your address or name. "
            "Use a few unrelated words.",
        ),
        ({"email": ["a@b.co"]}, "email", "Email must be text."),  # found from outside: told about "["
        ({"email": 12}, "email", "Email must be text."),
        ({"password": ["a-long-password"]}, "password", "Password must be text."),
        ({"password": 1234567890123}, "password", "Password must be text."),
        ({"password": {"a": "long-password"}}, "password", "Password must be text."),
        ({"display_name": "   "}, "display_name", "Display name is required."),
        ({"display_name": "n" * 61}, "display_name", "Display name must be at most 60 characters."),
    ],
)
def test_bad_registration_names_the_field_and_stores_nothing(
    client: FlaskClient, count_rows: Callable[..., int], change: dict[str, object], field: str, message: str
) -> None:
    response = client.post("/api/v1/users", json={**NEW_RESIDENT, **change})

    assert response.status_code == 422
    assert error_of(response) == {"code": "invalid", "message": message, "field": field}
    assert count_rows(User) == 0


def test_a_body_that_is_not_a_json_object_is_a_bad_request(client: FlaskClient) -> None:
    response = client.post("/api/v1/users", data="email=a@b.org", content_type="text/plain")

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert "JSON object" in error_of(response)["message"]


def test_a_token_is_issued_for_the_right_password(
    client: FlaskClient, app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(email="grace@example.org")

    response = client.post(
        "/api/v1/tokens", json={"email": "Grace@Example.org", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert len(body["token"]) >= 40
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    with app.app_context():
        stored = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
        assert stored.token_hash == token_digest(body["token"])  # only the digest is kept
        assert body["token"] not in stored.token_hash


@pytest.mark.parametrize(
    "credentials",
    [
        {"email": "grace@example.org", "password": "wrong-password"},
        {"email": "nobody@example.org", "password": DEFAULT_PASSWORD},
    ],
)
def test_wrong_credentials_get_the_same_401_without_a_token(
    client: FlaskClient,
    make_user: Callable[..., User],
    count_rows: Callable[..., int],
    credentials: dict[str, str],
) -> None:
    make_user(email="grace@example.org")

    response = client.post("/api/v1/tokens", json=credentials)

    assert response.status_code == 401
    assert error_of(response) == {
        "code": "unauthenticated",
        "message": "Wrong email or password.",
        "field": "password",
    }
    # Found from outside: the 401 named no scheme (RFC 9110 15.5.2).
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Commonfix API"'
    assert count_rows(ApiToken) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [({"email": "grace@example.org"}, "password"), ({}, "email"), ({"email": 5, "password": 6}, "email")],
)
def test_missing_credentials_are_named_not_read_as_a_wrong_password(
    client: FlaskClient, make_user: Callable[..., User], body: dict[str, object], field: str
) -> None:
    """Found from outside: {} and a missing password read "Wrong email or password."."""
    make_user(email="grace@example.org")
    response = client.post("/api/v1/tokens", json=body)
    assert (response.status_code, error_of(response)["field"]) == (422, field)


def test_the_bearer_token_identifies_the_resident(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    issue = make_issue()
    headers = auth.headers()

    liked = client.post(f"/api/v1/issues/{issue.id}/like", headers=headers)
    as_resident = client.get(f"/api/v1/issues/{issue.id}", headers=headers).get_json()
    anonymous = client.get(f"/api/v1/issues/{issue.id}").get_json()

    assert liked.status_code == 200
    assert as_resident["properties"]["liked_by_me"] is True
    assert "liked_by_me" not in anonymous["properties"]


def test_on_the_api_a_bearer_token_speaks_for_its_holder_beside_a_login_cookie(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: Callable[..., Any]
) -> None:
    """Found from outside: with a login cookie in the jar, the API acted as the cookie's user and ignored
    the token (and asked its writes for a CSRF token). Pages still go by the cookie alone."""
    issue = make_issue()
    cookie_holder = make_user(display_name="Cookie Holder")
    token_holder = make_user(display_name="Token Holder")
    headers = auth.headers(token_holder)
    auth.login(cookie_holder.email)

    liked = client.post(f"/api/v1/issues/{issue.id}/like", headers=headers)
    by_token = client.get(f"/api/v1/issues/{issue.id}", headers=headers).get_json()
    by_cookie = client.get(f"/api/v1/issues/{issue.id}").get_json()
    stale = client.post(
        f"/api/v1/issues/{issue.id}/like", headers={"Authorization": "Bearer not-a-real-token"}
    )
    page = client.get("/account", headers=headers).get_data(as_text=True)

    assert liked.status_code == 200
    assert by_token["properties"]["liked_by_me"] is True
    assert by_cookie["properties"]["liked_by_me"] is False
    assert stale.status_code == 401
    assert "Cookie Holder" in page
    assert "Token Holder" not in page


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-real-token", "Bearer ", "Basic Z3JhY2U6cGFzcw==", "bearer"]
)
def test_an_unknown_or_malformed_token_is_not_logged_in(
    client: FlaskClient, make_issue: Callable[..., Any], authorization: str
) -> None:
    issue = make_issue()

    response = client.post(f"/api/v1/issues/{issue.id}/like", headers={"Authorization": authorization})

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"


def test_an_expired_token_is_refused(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    issue = make_issue()
    headers = auth.headers()
    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=datetime(2020, 1, 1)))
        db.session.commit()

    response = client.post(f"/api/v1/issues/{issue.id}/like", headers=headers)

    assert response.status_code == 401


def test_a_blocked_resident_cannot_act(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    issue = make_issue()

    response = client.post(f"/api/v1/issues/{issue.id}/like", headers=auth.headers(is_blocked=True))

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "forbidden",
        "message": "This account is blocked and cannot like issues.",
        "field": None,
    }


def test_a_long_passphrase_is_welcome(client: FlaskClient) -> None:
    # zxcvbn refuses more than 72 characters: a 73-character password was a 500.
    phrase = "ochre lantern drifts past the quiet harbour while seven gulls argue about breakfast"
    assert len(phrase) > 72
    assert client.post("/api/v1/users", json={**NEW_RESIDENT, "password": phrase}).status_code == 202


def test_json_this_api_cannot_read_is_told_apart_from_a_missing_object(client: FlaskClient) -> None:
    """Found from outside: a JSON object holding 1e400 (past a double) was told to send a JSON object."""
    for body in ('{"email": "a@b.org", "display_name": "A", "password": 1e400}', '{"email": '):
        response = client.post("/api/v1/users", data=body, content_type="application/json")

        assert response.status_code == 400, body
        assert error_of(response)["message"].startswith("The request body is not JSON this API can read"), (
            body
        )
    # Valid JSON that is not an object is told to send one (found from outside: `null` was blamed on
    # its syntax).
    for body in ("null", "[1, 2]"):
        response = client.post("/api/v1/users", data=body, content_type="application/json")
        assert "must be a JSON object" in error_of(response)["message"], body


def test_a_patch_names_a_field_it_does_not_take(
    client: FlaskClient, auth: AuthActions, make_user: Any
) -> None:
    """Found from outside: `PATCH /api/v1/account` with `email` (or `role`) answered 200 and changed
    nothing, which read as done."""
    user = make_user(display_name="Before")
    response = client.patch(
        "/api/v1/account",
        json={"display_name": "After", "email": "x@example.org"},
        headers=auth.headers(user),
    )
    assert response.status_code == 422
    assert error_of(response)["field"] == "email"
    assert "it takes display_name, hide_name_default" in error_of(response)["message"]
    assert (
        client.get("/api/v1/account", headers=auth.headers(user)).get_json()["profile"]["display_name"]
        == "Before"
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/issues/1/flags"),
        ("patch", "/api/v1/matching-periods/1"),
        ("delete", "/api/v1/account"),
    ],
)
def test_a_stranger_is_asked_to_log_in_whatever_the_body(client: FlaskClient, method: str, path: str) -> None:
    """Found reading the code: these read the body first, so a stranger's unknown key got a 422."""
    response = getattr(client, method)(path, json={"no_such_field": 1})
    assert response.status_code == 401
