"""API links name the site's public address (PUBLIC_URL), never the request's Host header: a forged
Host came back in every issue's `url` (found from outside), which a shared cache could serve to others."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from app.models import Issue

MakeIssue = Callable[..., Issue]


def test_api_links_name_the_public_address_not_the_requests_host(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    """Found from outside: a Host header of the attacker's choosing came back in every issue's `url`, which
    a shared cache could then serve to others. Links are built on PUBLIC_URL, as feeds and mail are."""
    issue = make_issue()
    forged = {"Host": "evil.example"}

    one = client.get(f"/api/v1/issues/{issue.id}", headers=forged).get_json()
    listed = client.get("/api/v1/issues", headers=forged).get_json()["features"]

    assert one["properties"]["url"] == f"http://localhost/issues/{issue.id}"
    assert [f["properties"]["url"] for f in listed] == [f"http://localhost/issues/{issue.id}"]
