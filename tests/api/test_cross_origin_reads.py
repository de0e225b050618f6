"""Public reads for other sites' scripts: a map on another origin may fetch Open311, the API's
GETs and the feeds (`Access-Control-Allow-Origin: *`, never with credentials), and a script holding
an API token may use it; pages, cookie sessions and password logins stay same-origin."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.models import Issue
from tests.conftest import AuthActions
from tests.testcity import OLD_TOWN

ORIGIN = {"Origin": "https://map.example.org"}


def preflight_of_a_token_post(client: FlaskClient, url: str) -> TestResponse:
    """The browser's question before a script on another origin POSTs JSON with a token."""
    return client.options(
        url,
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_public_reads_may_be_fetched_from_any_origin(
    client: FlaskClient, make_issue: Callable[..., Issue]
) -> None:
    issue = make_issue(title="Hole")
    for url in (
        "/open311/v2/services.json",
        "/open311/v2/requests.xml",
        f"/open311/v2/requests/{issue.id}.json",
        "/api/v1/issues",
        "/api/v1/categories",
        f"/api/v1/issues/{issue.id}",
        "/feeds/issues.atom",
        "/ledger.csv",  # the public ledgers' CSVs (found from outside: the open-data page promised them)
        "/transparency/ledger.csv",
    ):
        response = client.get(url, headers=ORIGIN)
        response.get_data()  # a streamed CSV ends with its request
        assert response.status_code == 200, url
        assert response.headers.get("Access-Control-Allow-Origin") == "*", url
        # A wildcard never lets a browser send the login cookie along.
        assert "Access-Control-Allow-Credentials" not in response.headers, url
    # A pool's ledger lines too (found from outside: README lists it; no pool here, so its 404).
    lines = client.get("/pools/999999/ledger-lines.csv", headers=ORIGIN)
    assert lines.headers.get("Access-Control-Allow-Origin") == "*"
    missing = client.get("/open311/v2/requests/999999.json", headers=ORIGIN)
    assert missing.status_code == 404
    assert missing.headers.get("Access-Control-Allow-Origin") == "*"  # a script can read the error


def test_an_open311_report_may_be_posted_from_another_origin_with_its_api_key(
    client: FlaskClient, auth: AuthActions
) -> None:
    token = auth.headers()["Authorization"].removeprefix("Bearer ")
    data = {
        "api_key": token,
        "service_code": "pothole",
        "lat": OLD_TOWN.lat,
        "long": OLD_TOWN.lon,
        "description": "Hole by the bakery",
    }
    response = client.post("/open311/v2/requests.json", data=data, headers=ORIGIN)
    assert response.status_code == 201
    assert response.headers.get("Access-Control-Allow-Origin") == "*"


def test_an_open311_post_with_a_json_body_or_a_token_passes_the_browsers_preflight(
    client: FlaskClient, auth: AuthActions
) -> None:
    """Found from outside: the preflight of a JSON or Bearer POST named no method or header, so the
    browser refused the POST the Open311 view accepts; and a script could not read Retry-After."""
    preflight = preflight_of_a_token_post(client, "/open311/v2/requests.json")
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type"} <= {
        h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    data = {
        "service_code": "pothole",
        "lat": OLD_TOWN.lat,
        "long": OLD_TOWN.lon,
        "description": "Hole by the bakery",
    }
    posted = client.post("/open311/v2/requests.json", json=data, headers={**ORIGIN, **auth.headers()})
    assert posted.status_code == 201, posted.get_data(as_text=True)
    assert "Retry-After" in posted.headers["Access-Control-Expose-Headers"]


def test_pages_and_api_writes_are_not_opened_to_other_origins(client: FlaskClient, auth: AuthActions) -> None:
    assert "Access-Control-Allow-Origin" not in client.get("/", headers=ORIGIN).headers
    assert "Access-Control-Allow-Origin" not in client.get("/transparency", headers=ORIGIN).headers
    write = client.post(
        "/api/v1/tokens", json={"email": "nobody@example.org", "password": "wrong-password"}, headers=ORIGIN
    )
    assert "Access-Control-Allow-Origin" not in write.headers


def test_a_script_on_another_origin_may_use_a_token_it_was_given(
    client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Issue]
) -> None:
    """Found from outside: a browser client holding a resident's API token could not send it from
    another origin (the preflight asking for Authorization got no CORS answer). A token is no ambient
    credential, so the preflight is answered; without a token nothing more is opened."""
    issue = make_issue(title="Hole")
    preflight = preflight_of_a_token_post(client, f"/api/v1/issues/{issue.id}/like")
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers

    liked = client.post(f"/api/v1/issues/{issue.id}/like", headers={**ORIGIN, **auth.headers()})
    assert liked.status_code == 200
    assert liked.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in liked.headers["Access-Control-Expose-Headers"]

    # Without a token: no answer to the preflight, nor to getting a token with a password.
    cookie_preflight = client.options(
        "/api/v1/tokens",
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert "Access-Control-Allow-Origin" not in cookie_preflight.headers


def test_a_script_on_another_origin_may_poll_with_the_etag(
    client: FlaskClient, make_issue: Callable[..., Issue]
) -> None:
    """Found from outside: the open-data page says to send the ETag back as If-None-Match, but a script
    on another origin could not read the ETag, and a read sending If-None-Match failed its preflight."""
    issue = make_issue(title="Hole")
    for url in (
        "/api/v1/issues",
        f"/api/v1/issues/{issue.id}",
        "/feeds/issues.atom",
        "/open311/v2/requests.json",
    ):
        first = client.get(url, headers=ORIGIN)
        assert "ETag" in {h.strip() for h in first.headers["Access-Control-Expose-Headers"].split(",")}, url
        asked = client.options(
            url,
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert asked.headers.get("Access-Control-Allow-Origin") == "*", url
        assert "If-None-Match" in asked.headers.get("Access-Control-Allow-Headers", ""), url
        again = client.get(url, headers={**ORIGIN, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url
        assert again.headers.get("Access-Control-Allow-Origin") == "*", url
