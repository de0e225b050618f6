"""Rate limits on register, login, report and like: 429 with Retry-After, JSON for the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Issue, User
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD
from tests.testcity import OLD_TOWN

TINY_LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATE_LIMIT_REGISTER": "2 per minute",
    "RATE_LIMIT_LOGIN": "2 per minute",
    "RATE_LIMIT_REPORT": "1 per minute",
    "RATE_LIMIT_LIKE": "2 per minute",
}
pytestmark = pytest.mark.config(**TINY_LIMITS)


def assert_api_rate_limited(response: Any) -> None:
    assert response.status_code == 429
    assert response.get_json() == {
        "error": {
            "code": "rate_limited",
            "message": "Too many requests: wait a little and try again.",
            "field": None,
        }
    }
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_api_registration_is_limited(client: FlaskClient, count_rows: Callable[..., int]) -> None:
    responses = [
        client.post(
            "/api/v1/users",
            json={"email": f"r{i}@example.org", "display_name": f"R{i}", "password": "long-enough"},
        )
        for i in range(3)
    ]

    assert [r.status_code for r in responses[:2]] == [202, 202]
    assert_api_rate_limited(responses[2])
    assert count_rows(User) == 2


def test_the_registration_form_is_limited(client: FlaskClient, count_rows: Callable[..., int]) -> None:
    form = {"email": "", "display_name": "W", "password": "long-enough", "confirm": "long-enough"}

    attempts = [client.post("/account/register", data=form) for _ in range(3)]

    assert [a.status_code for a in attempts] == [422, 422, 429]
    assert "Retry-After" in attempts[2].headers
    assert attempts[2].mimetype == "text/html"
    assert "Too many requests" in attempts[2].get_data(as_text=True)
    assert count_rows(User) == 0


def test_api_tokens_are_limited(client: FlaskClient, make_user: Callable[..., User]) -> None:
    user = make_user()
    credentials = {"email": user.email, "password": DEFAULT_PASSWORD}

    statuses = [client.post("/api/v1/tokens", json=credentials).status_code for _ in range(2)]
    limited = client.post("/api/v1/tokens", json=credentials)

    assert statuses == [201, 201]
    assert_api_rate_limited(limited)


def test_the_login_form_is_limited_even_for_wrong_passwords(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    attempts = [
        client.post("/account/login", data={"email": user.email, "password": "guess"}) for _ in range(3)
    ]

    assert [a.status_code for a in attempts] == [422, 422, 429]
    assert "Retry-After" in attempts[2].headers


def test_reports_are_limited_per_resident(
    client: FlaskClient, auth: AuthActions, count_rows: Callable[..., int]
) -> None:
    report = {**OLD_TOWN.latlon, "category": "pothole", "title": "Hole", "description": "Deep."}
    alice, bob = auth.headers(), auth.headers()

    first = client.post("/api/v1/issues", json=report, headers=alice)
    second = client.post("/api/v1/issues", json=report, headers=alice)
    other_resident = client.post("/api/v1/issues", json=report, headers=bob)

    assert first.status_code == 201
    assert_api_rate_limited(second)
    assert other_resident.status_code == 201
    assert count_rows(Issue) == 2


def test_likes_are_limited(client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Issue]) -> None:
    issue = make_issue()
    headers = auth.headers()
    url = f"/api/v1/issues/{issue.id}/like"

    statuses = [client.post(url, headers=headers).status_code for _ in range(2)]
    limited = client.post(url, headers=headers)
    other_resident = client.post(url, headers=auth.headers())

    assert statuses == [200, 200]
    assert_api_rate_limited(limited)
    assert other_resident.get_json() == {"likes": 2, "liked": True}


@pytest.mark.config(RATELIMIT_ENABLED=False)
def test_limits_can_be_switched_off(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue()
    headers = auth.headers()

    statuses = {client.post(f"/api/v1/issues/{issue.id}/like", headers=headers).status_code for _ in range(5)}

    assert statuses == {200}
