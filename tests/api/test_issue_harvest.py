"""Harvesting every issue through GET /api/v1/issues: `sort=id` with the `after` cursor (keyset pages).

A harvester must see every issue exactly once however the likes and times tie and whatever is reported
while it pages; the offset pages of `rank` and `new` cannot promise that (a like or a new report moves
every later issue by one place).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from app.models import Issue

MakeIssue = Callable[..., Issue]
T0 = datetime(2026, 1, 1, 12, 0, 0)


def ids(body: dict[str, Any]) -> list[int]:
    return [f["properties"]["id"] for f in body["features"]]


def harvest(client: FlaskClient, per_page: int, between_pages: Callable[[int], None]) -> list[int]:
    """The README's recipe: follow `next_after` until `has_next` is false."""
    seen: list[int] = []
    query = f"/api/v1/issues?sort=id&per_page={per_page}"
    for n in range(100):
        response = client.get(query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        seen.extend(ids(body))
        if not body["has_next"]:
            return seen
        between_pages(n)
        query = f"/api/v1/issues?sort=id&per_page={per_page}&after={body['next_after']}"
    raise AssertionError("the harvest did not end")


def test_a_harvest_sees_every_issue_once_while_likes_tie_and_reports_arrive(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    # Every issue ties on likes and time, the worst case for an order without a unique key.
    made = [make_issue(created_at=T0).id for _ in range(7)]
    arrived: list[int] = []

    def meanwhile(page: int) -> None:  # reports arrive during the harvest, some liked at once
        if page < 3:
            arrived.append(make_issue(created_at=T0).id)
            arrived.append(make_issue(created_at=T0, likes_from=page + 1).id)

    seen = harvest(client, 2, meanwhile)

    assert len(seen) == len(set(seen)), "an issue came twice"
    assert seen == sorted(seen), "not in id order"
    assert set(made) <= set(seen), "an issue that existed before the harvest was missed"
    assert set(seen) == set(made + arrived)  # those reported meanwhile come after the cursor: all read


def test_the_last_cursor_later_fetches_only_the_issues_reported_since(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    first = [make_issue(created_at=T0).id for _ in range(3)]
    body = client.get("/api/v1/issues?sort=id&per_page=5").get_json()
    assert (ids(body), body["has_next"], body["next_after"]) == (first, False, first[-1])

    later = make_issue(created_at=T0).id
    again = client.get(f"/api/v1/issues?sort=id&after={body['next_after']}").get_json()

    assert ids(again) == [later]
    assert again["next_after"] == later
    nothing_new = client.get(f"/api/v1/issues?after={later}").get_json()  # `after` alone pages by id
    assert (ids(nothing_new), nothing_new["has_next"], nothing_new["next_after"]) == ([], False, later)


def test_sort_id_takes_the_offset_pages_too_and_the_other_sorts_keep_theirs(
    client: FlaskClient, make_issue: MakeIssue
) -> None:
    made = [make_issue(created_at=T0).id for _ in range(5)]

    pages = [client.get(f"/api/v1/issues?sort=id&per_page=2&page={n}").get_json() for n in (1, 2, 3)]

    assert [ids(p) for p in pages] == [made[0:2], made[2:4], made[4:]]
    assert [p["has_next"] for p in pages] == [True, True, False]
    assert all(p["total"] == 5 for p in pages)
    ranked = client.get("/api/v1/issues?per_page=2").get_json()
    assert "next_after" not in ranked  # rank and new page by offset, as before
    assert ids(ranked) == made[:2]  # equal likes and times: the lower id first


def test_filters_apply_to_a_harvest(client: FlaskClient, make_issue: MakeIssue) -> None:
    potholes = [make_issue(category="pothole").id for _ in range(3)]
    make_issue(category="streetlight")

    body = client.get(f"/api/v1/issues?category=pothole&after={potholes[0]}").get_json()

    assert ids(body) == potholes[1:]
    assert body["total"] == 3  # every issue the filters select, not only those after the cursor


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("after=abc", "after", "after must be a whole number."),
        ("after=-1", "after", "after must be between 0 and 2,147,483,647."),
        ("after=2147483648", "after", "after must be between 0 and 2,147,483,647."),
        ("after=" + "9" * 5000, "after", "after must be between 0 and 2,147,483,647."),
        ("after=1.5", "after", "after must be a whole number."),
        ("after=%EF%BC%91", "after", "after must be a whole number."),  # a fullwidth digit one
        ("after=3&sort=rank", "after", "after pages by id: use it with sort=id, or leave sort out."),
        ("after=3&sort=new", "after", "after pages by id: use it with sort=id, or leave sort out."),
        ("after=3&page=2", "page", "page and after exclude each other: follow next_after instead."),
        ("sort=ID", "sort", "sort must be one of rank, new, id."),
    ],
)
def test_bad_cursors_name_the_field(client: FlaskClient, query: str, field: str, message: str) -> None:
    response = client.get(f"/api/v1/issues?{query}")

    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "message": message, "field": field}


def test_a_nul_in_the_cursor_is_refused_naming_it(client: FlaskClient) -> None:
    response = client.get("/api/v1/issues?after=1%00")

    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "after"


def test_a_cursor_past_every_issue_is_an_empty_last_page(client: FlaskClient, make_issue: MakeIssue) -> None:
    make_issue()

    body = client.get("/api/v1/issues?after=2147483647").get_json()

    assert (ids(body), body["has_next"], body["next_after"]) == ([], False, 2147483647)


def test_a_poller_gets_304_until_something_changes(
    client: FlaskClient, make_issue: MakeIssue, auth: Any
) -> None:
    """Found from outside: the API sent no validator, so a harvester or a map re-read every page whole;
    Open311 and the feeds already answered If-None-Match. The list, one issue and the areas do now."""
    issue = make_issue(title="Hole")
    for url in ("/api/v1/issues?sort=id", f"/api/v1/issues/{issue.id}", "/api/v1/areas"):
        first = client.get(url)
        etag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304, url
        assert again.get_data() == b""
    # A like changes the issue's answer: the old ETag no longer holds.
    etag = client.get(f"/api/v1/issues/{issue.id}").headers["ETag"]
    assert client.post(f"/api/v1/issues/{issue.id}/like", headers=auth.headers()).status_code == 200
    changed = client.get(f"/api/v1/issues/{issue.id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
