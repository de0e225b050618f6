"""API likes: one per resident and issue, revocable, idempotent, with correct counts everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Issue, Like
from tests.conftest import AuthActions

MakeIssue = Callable[..., Issue]


def likes_in_db(app: Flask, issue_id: int) -> tuple[int, int]:
    """(rows in the likes table, the issue's stored like count)."""
    with app.app_context():
        rows = len(db.session.scalars(select(Like.id).where(Like.issue_id == issue_id)).all())
        count = db.session.scalar(select(Issue.likes_count).where(Issue.id == issue_id))
        return rows, int(count or 0)


def test_like_and_unlike_are_idempotent_with_correct_counts(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: MakeIssue
) -> None:
    issue = make_issue()
    alice, bob = auth.headers(), auth.headers()
    url = f"/api/v1/issues/{issue.id}/like"

    def state(headers: dict[str, str]) -> tuple[int, bool]:
        props = client.get(f"/api/v1/issues/{issue.id}", headers=headers).get_json()["properties"]
        return props["likes"], props["liked_by_me"]

    assert client.post(url, headers=alice).get_json() == {"likes": 1, "liked": True}
    assert client.post(url, headers=alice).get_json() == {"likes": 1, "liked": True}
    assert likes_in_db(app, issue.id) == (1, 1)
    assert state(alice) == (1, True)
    assert state(bob) == (1, False)

    assert client.post(url, headers=bob).get_json() == {"likes": 2, "liked": True}
    assert likes_in_db(app, issue.id) == (2, 2)

    assert client.delete(url, headers=alice).get_json() == {"likes": 1, "liked": False}
    assert client.delete(url, headers=alice).get_json() == {"likes": 1, "liked": False}
    assert likes_in_db(app, issue.id) == (1, 1)
    assert state(alice) == (1, False)
    assert state(bob) == (1, True)

    assert client.post(url, headers=alice).get_json() == {"likes": 2, "liked": True}
    assert likes_in_db(app, issue.id) == (2, 2)


def test_unliking_an_issue_never_liked_changes_nothing(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: MakeIssue
) -> None:
    issue = make_issue(likes_from=2)

    response = client.delete(f"/api/v1/issues/{issue.id}/like", headers=auth.headers())

    assert response.get_json() == {"likes": 2, "liked": False}
    assert likes_in_db(app, issue.id) == (2, 2)


def test_likes_of_one_issue_do_not_touch_another(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: MakeIssue
) -> None:
    liked, other = make_issue(), make_issue(likes_from=1)

    client.post(f"/api/v1/issues/{liked.id}/like", headers=auth.headers())

    assert likes_in_db(app, liked.id) == (1, 1)
    assert likes_in_db(app, other.id) == (1, 1)


def test_liking_a_missing_issue_is_a_404_and_stores_nothing(
    client: FlaskClient, auth: AuthActions, table_counts: Callable[[], dict[str, int]]
) -> None:
    headers = auth.headers()
    before = table_counts()

    for method in (client.post, client.delete):
        response = method("/api/v1/issues/424242/like", headers=headers)
        assert response.status_code == 404
        assert response.get_json()["error"] == {
            "code": "not_found",
            "message": "There is no issue 424242.",
            "field": "issue_id",
        }
    assert table_counts() == before


def test_an_anonymous_like_is_a_401(
    client: FlaskClient, make_issue: MakeIssue, table_counts: Callable[[], dict[str, int]]
) -> None:
    issue = make_issue()
    before = table_counts()

    response: Any = client.post(f"/api/v1/issues/{issue.id}/like")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthenticated"
    assert table_counts() == before


def test_the_ranked_list_follows_the_likes(
    client: FlaskClient, auth: AuthActions, make_issue: MakeIssue
) -> None:
    first, second = make_issue(), make_issue()
    order = [f["id"] for f in client.get("/api/v1/issues?sort=rank").get_json()["features"]]
    assert order == [first.id, second.id]

    client.post(f"/api/v1/issues/{second.id}/like", headers=auth.headers())

    order = [f["id"] for f in client.get("/api/v1/issues?sort=rank").get_json()["features"]]
    assert order == [second.id, first.id]
