"""Rate limits on register, login, report and like: 429 with Retry-After, JSON for the API.

In one process on the memory storage; tests/test_rate_limits_shared.py runs them across processes on
Redis.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import redis
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db, limiter
from app.models import Issue, User
from config import TestingConfig, from_environment
from tests.conftest import AuthActions, Database
from tests.factories import DEFAULT_PASSWORD
from tests.redis_server import RedisServer
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


# --- one counter per limit, shared by every route that carries it ------------------------------------


def login_by_form(client: FlaskClient, email: str, address: str = "127.0.0.1") -> Any:
    return client.post(
        "/account/login", data={"email": email, "password": "guess"}, environ_base={"REMOTE_ADDR": address}
    )


def login_by_api(client: FlaskClient, email: str, address: str = "127.0.0.1") -> Any:
    return client.post(
        "/api/v1/tokens", json={"email": email, "password": "guess"}, environ_base={"REMOTE_ADDR": address}
    )


def test_the_web_form_and_the_api_count_login_attempts_for_one_account_together(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()

    web = login_by_form(client, user.email)
    api = login_by_api(client, user.email)
    limited_web = login_by_form(client, user.email)
    limited_api = login_by_api(client, user.email)

    assert (web.status_code, api.status_code) == (422, 401)
    assert limited_web.status_code == 429
    assert limited_web.mimetype == "text/html"
    assert 0 < int(limited_web.headers["Retry-After"]) <= 60
    assert_api_rate_limited(limited_api)


def test_an_account_is_counted_whatever_the_spelling_and_the_address(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(email="alice@example.org")

    first = login_by_form(client, "alice@example.org", address="10.0.0.1")
    # A full-width letter reaches the same account (normalise_email), so it counts with it.
    second = login_by_api(client, "  ALICE@\uff25xample.ORG ", address="10.0.0.2")
    third = login_by_form(client, "Alice@example.org", address="10.0.0.3")

    assert (first.status_code, second.status_code, third.status_code) == (422, 401, 429)
    # The account's limit does not lock out other accounts at those addresses.
    assert login_by_api(client, "bob@example.org", address="10.0.0.3").status_code == 401
    # Nor the right password of another account; the limited account's own right password is refused.
    other = make_user()
    assert (
        client.post("/api/v1/tokens", json={"email": other.email, "password": DEFAULT_PASSWORD}).status_code
        == 201
    )
    right_password = client.post("/api/v1/tokens", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert right_password.status_code == 429


@pytest.mark.config(RATE_LIMIT_LOGIN_ADDRESS="3 per minute")
def test_one_address_trying_many_accounts_is_limited_across_both_doors(client: FlaskClient) -> None:
    attempts = [
        login_by_form(client, "a@example.org"),
        login_by_api(client, "b@example.org"),
        login_by_form(client, "c@example.org"),
        login_by_api(client, "d@example.org"),
        login_by_form(client, "e@example.org"),
    ]
    elsewhere = login_by_api(client, "f@example.org", address="192.0.2.7")

    assert [a.status_code for a in attempts] == [422, 401, 422, 429, 429]
    assert_api_rate_limited(attempts[3])
    assert elsewhere.status_code == 401


@pytest.mark.config(RATE_LIMIT_LOGIN_ADDRESS="3 per minute")
def test_attempts_naming_no_account_count_only_against_the_address(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    nameless = [
        client.post("/account/login", data={"password": "guess"}),
        client.post("/api/v1/tokens", json={"password": "guess"}),
        client.post("/api/v1/tokens", json=["not", "an", "object"]),
    ]
    user = make_user()

    assert [r.status_code for r in nameless] == [422, 422, 400]  # no email: named, not a wrong password
    # The address is spent, but no account was counted: from elsewhere this one has its full quota.
    assert [login_by_api(client, user.email, address="192.0.2.8").status_code for _ in range(3)] == [
        401,
        401,
        429,
    ]
    assert login_by_api(client, "other@example.org").status_code == 429


def test_a_like_and_an_unlike_on_the_web_and_the_api_share_one_counter(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue()
    user = make_user()
    headers = auth.headers(user)
    auth.login_as(user)

    api = client.application.test_client()  # a token, no login cookie (the API checks CSRF on cookies)

    web_like = client.post(f"/issues/{issue.id}/like")
    api_unlike = api.delete(f"/api/v1/issues/{issue.id}/like", headers=headers)
    limited_api = api.post(f"/api/v1/issues/{issue.id}/like", headers=headers)
    limited_web = client.post(f"/issues/{issue.id}/unlike")

    assert (web_like.status_code, api_unlike.status_code) == (302, 200)
    assert_api_rate_limited(limited_api)
    assert limited_web.status_code == 429
    assert "Retry-After" in limited_web.headers


def test_registration_on_the_web_and_the_api_share_one_counter(
    client: FlaskClient, count_rows: Callable[..., int]
) -> None:
    api = client.post(
        "/api/v1/users", json={"email": "r1@example.org", "display_name": "R1", "password": "long-enough"}
    )
    secret = "long-enough"
    form = {"email": "r2@example.org", "display_name": "R2", "password": secret, "confirm": secret}
    web = client.post("/account/register", data=form)
    limited = client.post("/account/register", data={**form, "email": "r3@example.org"})

    # Both accepted (the web answers with its "check your email" page); the third is over the limit.
    assert (api.status_code, web.status_code, limited.status_code) == (202, 200, 429)
    assert count_rows(User) == 2


def login_forwarded_for(client: FlaskClient, forwarded_for: str) -> int:
    """A login attempt through a proxy at 10.0.0.9 that says it forwards `forwarded_for`."""
    return client.post(
        "/api/v1/tokens",
        json={"email": f"x{forwarded_for}@example.org", "password": "guess"},
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    ).status_code


@pytest.mark.config(RATE_LIMIT_LOGIN_ADDRESS="2 per minute", TRUSTED_PROXIES=1)
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_quota(client: FlaskClient) -> None:
    first_client = [login_forwarded_for(client, "198.51.100.1") for _ in range(3)]
    second_client = login_forwarded_for(client, "198.51.100.2")

    assert first_client == [401, 401, 429]
    assert second_client == 401


@pytest.mark.config(RATE_LIMIT_LOGIN_ADDRESS="2 per minute")
def test_without_trusted_proxies_a_forwarded_header_does_not_escape_the_limit(client: FlaskClient) -> None:
    statuses = [login_forwarded_for(client, f"198.51.100.{i}") for i in range(3)]

    assert statuses == [401, 401, 429]


# --- configuration ---------------------------------------------------------------------------------


def test_a_storage_other_than_memory_or_redis_is_refused_by_name(database: Database) -> None:
    with pytest.raises(ValueError, match="RATELIMIT_STORAGE_URI must be memory:// or redis://"):
        create_app(
            TestingConfig, {"SQLALCHEMY_DATABASE_URI": database.url, "RATELIMIT_STORAGE_URI": "mongodb://x"}
        )


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("RATE_LIMIT_LOGIN", "20 per fortnight", "RATE_LIMIT_LOGIN must be a rate like"),
        ("RATE_LIMIT_LIKE", "many", "RATE_LIMIT_LIKE must be a rate like"),
        ("RATELIMIT_REDIS_TIMEOUT", "0", "RATELIMIT_REDIS_TIMEOUT must be a number of seconds"),
        ("TRUSTED_PROXIES", "-1", "TRUSTED_PROXIES must be a number of proxies"),
    ],
)
def test_limits_from_the_environment_are_checked(variable: str, raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_environment({variable: raw})


def test_limits_from_the_environment_are_read() -> None:
    assert from_environment(
        {
            "RATE_LIMIT_LOGIN": "10 per 15 minutes",
            "RATE_LIMIT_LOGIN_ADDRESS": "5/minute; 100/day",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/2",
            "RATELIMIT_REDIS_TIMEOUT": "0.25",
        }
    ) == {
        "RATE_LIMIT_LOGIN": "10 per 15 minutes",
        "RATE_LIMIT_LOGIN_ADDRESS": "5/minute; 100/day",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/2",
        "RATELIMIT_REDIS_TIMEOUT": 0.25,
    }


def test_odd_login_requests_on_redis_are_answered_and_never_taken_for_an_outage(
    database: Database, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Flask-Limiter takes any error while counting for its storage failing (and would then count per
    process for a while): no body a client can send may cause one."""
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "WTF_CSRF_ENABLED": False,
            **TINY_LIMITS,
            "RATELIMIT_STORAGE_URI": redis_server.url(4),
        },
    )
    # A plain client: /api/v1/tokens answers an oversized body 413, which the OpenAPI document does not
    # list (true of every API operation; not this test's subject).
    limiter.enabled = True
    limiter.reset()
    client = app.test_client()
    oversized = app.config["MAX_CONTENT_LENGTH"] + 10
    too_large = b'{"email": "' + b"a" * oversized + b'"}'

    with caplog.at_level(logging.INFO, logger="flask-limiter"):
        statuses = [
            client.post("/api/v1/tokens", data=too_large, content_type="application/json").status_code,
            client.post("/account/login", data={"email": "x" * oversized}).status_code,
            client.post("/api/v1/tokens", data=b"{not json", content_type="application/json").status_code,
            client.post("/api/v1/tokens", json={"email": {"a": 1}, "password": "x"}).status_code,
            client.post("/account/login", data=b"\xff\xfe", content_type="multipart/form-data").status_code,
        ]
        counted = [login_by_api(client, "carol@example.org").status_code for _ in range(3)]

    assert all(400 <= status < 500 for status in statuses), statuses
    assert counted == [401, 401, 429]
    assert not [r for r in caplog.records if "unreachable" in r.getMessage() or r.levelno >= logging.ERROR]
    with redis.Redis.from_url(redis_server.url(4)) as shared:
        assert shared.keys("LIMITS*")
    with app.app_context():
        db.engine.dispose()


@pytest.mark.config(RATE_LIMIT_EXPORT="2 per minute")
def test_the_data_download_is_limited_on_the_api_and_the_page_together(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    # The API's download is a GET, yet it builds the whole ZIP: it counts like the page's POST.
    user, other = make_user(), make_user()
    headers, other_headers = auth.headers(user), auth.headers(other)
    api = client.application.test_client()  # a token, no login cookie
    statuses = [api.get("/api/v1/account/export", headers=headers).status_code for _ in range(2)]
    limited = api.get("/api/v1/account/export", headers=headers)
    auth.login_as(user)
    limited_page = client.post("/account/export")

    assert statuses == [200, 200]
    assert_api_rate_limited(limited)
    assert limited_page.status_code == 429
    assert api.get("/api/v1/account/export", headers=other_headers).status_code == 200
