"""Security basics: response headers on pages and API answers, hashed passwords, cookie flags."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import User
from tests.conftest import AuthActions
from tests.page_assets import offsite_assets


@pytest.mark.parametrize("url", ["/", "/priorities", "/api/v1/categories", "/api/v1/issues", "/no-such-page"])
def test_every_response_carries_the_security_headers(client: FlaskClient, url: str) -> None:
    headers = client.get(url).headers

    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP in tests and development


@pytest.mark.config(SESSION_COOKIE_SECURE=True)
def test_hsts_is_sent_when_cookies_are_https_only(client: FlaskClient) -> None:
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_use_no_third_party_scripts(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)

    assert offsite_assets(html) == []


def test_web_registration_stores_only_a_scrypt_hash(client: FlaskClient, app: Flask) -> None:
    password = "my very own secret"
    form = {"email": "hash@example.org", "display_name": "Hash", "password": password, "confirm": password}

    response = client.post("/account/register", data=form)

    assert response.status_code == 200
    with app.app_context():
        stored = db.session.scalars(select(User.password_hash).where(User.email == "hash@example.org")).one()
    assert stored.startswith("scrypt:")
    assert password not in stored
    assert check_password_hash(stored, password)


def test_the_login_cookie_is_http_only_and_same_site(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    user = make_user()

    response = auth.login(user.email)

    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie


def test_the_offsite_check_reads_what_a_page_loads_not_its_random_tokens() -> None:
    token_page = '<meta name="csrf-token" content="IjQ2cDnaZ.aF9x"><script src="/static/a.js"></script>'
    cdn_page = '<script src="https://cdn.example.org/leaflet.js"></script><link href="//x.org/a.css">'

    assert offsite_assets(token_page) == []
    assert offsite_assets(cdn_page) == ["https://cdn.example.org/leaflet.js", "//x.org/a.css"]
    assert offsite_assets("<script>import('https://unpkg.com/x')</script>") == ["unpkg.com"]
