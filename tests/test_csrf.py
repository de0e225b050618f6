"""CSRF: browsers' cookie sessions need a token for the API and for every form; bearer clients do not."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Issue, User
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.config(WTF_CSRF_ENABLED=True)


def test_a_cookie_session_posting_to_the_api_without_a_token_is_refused(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_issue: Callable[..., Issue],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    issue = make_issue()
    auth.login_as(make_user())
    before = table_counts()

    response = client.post(f"/api/v1/issues/{issue.id}/like")

    assert response.status_code == 400
    assert response.get_json()["error"] == {
        "code": "csrf_failed",
        "message": "The form's security token (CSRF) is missing or has expired;"
        " reload the page and try again.",
        "field": "csrf_token",
    }
    assert table_counts() == before


def test_a_cookie_session_with_the_token_header_may_post_to_the_api(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue()
    auth.login_as(make_user())

    response = client.post(f"/api/v1/issues/{issue.id}/like", headers={"X-CSRFToken": auth.csrf_token()})

    assert response.status_code == 200
    assert response.get_json() == {"likes": 1, "liked": True}


def test_a_forged_token_header_is_refused(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue()
    auth.login_as(make_user())
    auth.csrf_token()

    response = client.delete(f"/api/v1/issues/{issue.id}/like", headers={"X-CSRFToken": "forged.token.value"})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_bearer_clients_need_no_csrf_token(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue()

    response = client.post(f"/api/v1/issues/{issue.id}/like", headers=auth.headers())

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "form"),
    [
        (
            "/account/register",
            {
                "email": "new@example.org",
                "display_name": "New",
                "password": "long-enough",
                "confirm": "long-enough",
            },
        ),
        ("/account/login", {"email": "resident@example.org", "password": "correct-horse-battery"}),
    ],
)
def test_a_web_form_without_its_csrf_token_is_refused(
    client: FlaskClient,
    make_user: Callable[..., User],
    table_counts: Callable[[], dict[str, int]],
    url: str,
    form: dict[str, Any],
) -> None:
    make_user(email="resident@example.org")
    before = table_counts()

    response = client.post(url, data=form)

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    # Sent by someone not logged in (most often a session that ended while they typed): said so, with
    # the way on.
    assert "The form was not sent: the page had been open a long time, or your session ended." in page
    assert 'href="/account/login?next=' in page
    assert table_counts() == before
    with client.session_transaction() as session:
        assert "_user_id" not in session


@pytest.mark.config(WTF_CSRF_ENABLED=True, SESSION_COOKIE_SECURE=True)
def test_a_form_sent_over_plain_http_to_a_site_of_secure_cookies_says_https_is_needed(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    """Found from outside: a production site opened over http (its cookies are Secure, so the browser
    never sends them back) failed every login with "the page had been open a long time"."""
    make_user(email="resident@example.org")
    response = client.post(
        "/account/login",
        data={"email": "resident@example.org", "password": "correct-horse-battery"},
        headers={"Referer": "http://localhost/account/login"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "this site works only over a secure connection (https)" in page
    assert 'href="https://localhost/account/login">Open the page over https</a>' in page
    assert "the page had been open a long time" not in page


def test_a_logged_in_web_form_without_its_token_changes_nothing(
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_issue: Callable[..., Issue],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    issue = make_issue()
    auth.login_as(make_user())
    before = table_counts()

    response = client.post(f"/issues/{issue.id}/like")

    assert response.status_code == 400
    assert "security token (CSRF) is missing or has expired" in response.get_data(as_text=True)
    assert table_counts() == before


def test_logging_in_replaces_the_csrf_token(
    client: FlaskClient, make_user: Callable[..., User], make_issue: Callable[..., Issue]
) -> None:
    """Found from outside: the session kept the CSRF token it had before the login."""
    issue = make_issue()
    user = make_user()

    def token_on(page: str) -> str:
        found = re.search(r'name="csrf-token" content="([^"]+)"', client.get(page).get_data(as_text=True))
        assert found is not None
        return found.group(1)

    before = token_on("/account/login")
    login = client.post(
        "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": before}
    )
    assert login.status_code == 302

    stale = client.post(f"/api/v1/issues/{issue.id}/like", headers={"X-CSRFToken": before})
    fresh = client.post(f"/api/v1/issues/{issue.id}/like", headers={"X-CSRFToken": token_on("/")})

    assert stale.status_code == 400
    assert fresh.status_code == 200
