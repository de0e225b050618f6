"""Security basics: response headers on pages and API answers, hashed passwords, cookie flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import Issue, User
from tests.conftest import AuthActions
from tests.factories import DEFAULT_PASSWORD
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


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
NONCE_ATTRIBUTE = re.compile(r'\bnonce="([^"]*)"')
TEMPLATES = Path(__file__).resolve().parent.parent / "app" / "templates"


def script_directive(csp: str) -> str:
    return next(part.strip() for part in csp.split(";") if part.strip().startswith("script-src"))


def inline_script_nonces(html: str) -> list[str | None]:
    """The nonce of each inline <script> in a page (None where it has none); scripts with src skipped."""
    found = []
    for attributes in SCRIPT_TAG.findall(html):
        if "src=" not in attributes:
            nonce = NONCE_ATTRIBUTE.search(attributes)
            found.append(nonce.group(1) if nonce else None)
    return found


def test_only_scripts_carrying_the_responses_nonce_may_run_inline(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: Callable[..., Issue]
) -> None:
    """No 'unsafe-inline' for scripts: markup injected into a page (an attribute such as onerror, a
    <script>) does not run; our own inline scripts, the maps among them, carry the nonce."""
    issue = make_issue()
    auth.login_as(make_user(role="official"))

    for url in ("/", f"/issues/{issue.id}", "/issues/new", "/staff/dashboard"):
        response = client.get(url)
        assert response.status_code == 200, url
        scripts = script_directive(response.headers["Content-Security-Policy"])
        assert "'unsafe-inline'" not in scripts, url
        nonce = re.fullmatch(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{24})'", scripts)
        assert nonce is not None, scripts
        inline = inline_script_nonces(response.get_data(as_text=True))
        assert len(inline) >= 2, url  # the map's header and its script at least
        assert inline == [nonce.group(1)] * len(inline), url


def test_every_response_has_a_nonce_of_its_own(client: FlaskClient) -> None:
    first, second = (script_directive(client.get("/").headers["Content-Security-Policy"]) for _ in range(2))

    assert first != second


def test_a_response_without_inline_scripts_allows_none(client: FlaskClient) -> None:
    assert script_directive(client.get("/api/v1/categories").headers["Content-Security-Policy"]) == (
        "script-src 'self'"
    )


def test_every_inline_script_in_the_templates_asks_for_the_nonce() -> None:
    """Pages not rendered above (results, groups) too: a template's inline script without the nonce
    would be blocked by the browser."""
    missing = [
        f"{path.relative_to(TEMPLATES)}: <script{attributes}>"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for attributes in SCRIPT_TAG.findall(path.read_text(encoding="utf-8"))
        if "src=" not in attributes and 'nonce="{{ g.csp_nonce }}"' not in attributes
    ]

    assert missing == []


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


def test_tokens_and_answers_to_their_holders_are_never_cached(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    user = make_user()
    issued = client.post("/api/v1/tokens", json={"email": user.email, "password": DEFAULT_PASSWORD})
    assert issued.status_code == 201, issued.get_json()
    assert issued.headers["Cache-Control"] == "no-store"
    holder = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    for url in ("/api/v1/account", "/api/v1/issues"):
        assert client.get(url, headers=holder).headers["Cache-Control"] == "private, no-store"
    # What anyone may read keeps its own caching (none is forced on it).
    assert "no-store" not in client.get("/api/v1/issues").headers.get("Cache-Control", "")


def test_pages_shown_to_someone_logged_in_are_never_cached(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    """Found from outside: /account, the treasurer's and the staff pages could be kept by the browser,
    for the next person at a shared computer to reopen with Back after logging out."""
    anonymous = client.get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    auth.login_as(make_user(role="official"))
    for url in ("/account", "/account/settings", "/staff/dashboard", "/"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert page.headers["Cache-Control"] == "private, no-store", url
    # The JSON API read with the login's cookie too (found from outside: the account's address and the
    # officials' flag queue went out with no Cache-Control).
    for url in ("/api/v1/account", "/api/v1/flags", "/api/v1/issues"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["Cache-Control"] == "private, no-store", url
    # A logged-in person's photos, scripts and styles cache as they do for anyone.
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_a_bearer_token_opens_the_apis_but_no_page(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    """Found from outside: an API token, which a password change keeps, opened My Commonfix and the
    account's forms as a login would. It is a script's credential for the JSON API and Open311 only."""
    user = make_user()
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}

    assert client.get("/api/v1/account", headers=bearer).status_code == 200
    page = client.get("/account", headers=bearer)
    assert page.status_code == 302  # to the login page, as for anyone not logged in
    assert "/account/login" in page.headers["Location"]
    assert client.get("/issues/new", headers=bearer).status_code == 302


@pytest.mark.config(WTF_CSRF_ENABLED=True, MAX_CONTENT_LENGTH=4096)
def test_error_pages_raised_before_the_view_carry_the_nonce_too(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User], make_issue: Callable[..., Issue]
) -> None:
    """Found from outside: the page of an expired form (the CSRF check) and of a too-large upload had
    an empty nonce, so their scripts were refused and a phone got the no-JavaScript layout."""
    issue = make_issue()
    expired = client.post("/account/login", data={"email": "a@example.org", "password": "x"})
    auth.login_as(make_user())
    too_large = client.post(f"/issues/{issue.id}/updates", data={"text": "x" * 8000})

    for response in (expired, too_large):
        assert response.status_code in (400, 413)
        nonce = re.fullmatch(
            r"script-src 'self' 'nonce-([A-Za-z0-9_-]{24})'",
            script_directive(response.headers["Content-Security-Policy"]),
        )
        assert nonce is not None, response.status_code
        inline = inline_script_nonces(response.get_data(as_text=True))
        assert inline, response.status_code
        assert inline == [nonce.group(1)] * len(inline), response.status_code
