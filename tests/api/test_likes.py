"""API likes: one per resident and issue, revocable, idempotent, with correct counts everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, insert, select

from app.database.engines import sqlite_dbapi
from app.extensions import db
from app.models import Issue, Like, User
from app.services.issues import likes
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


def test_a_hidden_issue_cannot_be_liked_or_counted_by_the_public(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: MakeIssue, make_user: Callable[..., User]
) -> None:
    """Hidden issues do not exist for the public: a like, or an unlike by someone who had not liked it,
    is the 404 of a missing issue and changes nothing, so its answer tells neither that the issue exists
    nor how many like it. A resident who had liked it may take their like back (below)."""
    issue = make_issue()
    resident = make_user()
    url = f"/api/v1/issues/{issue.id}/like"
    assert client.post(url, headers=auth.headers(resident)).status_code == 200
    with app.app_context():
        db.session.get(Issue, issue.id).is_hidden = True  # type: ignore[union-attr]
        db.session.commit()

    answers = [
        ("post", client.post(url, headers=auth.headers())),
        ("post", client.post(url, headers=auth.headers(resident))),
        ("delete", client.delete(url, headers=auth.headers())),  # the resident's own unlike: the next test
    ]
    by_staff = client.post(url, headers=auth.headers(role="official"))

    assert [(name, r.status_code, r.get_json()["error"]["message"]) for name, r in answers] == [
        (name, 404, f"There is no issue {issue.id}.") for name in ("post", "post", "delete")
    ]
    assert (by_staff.status_code, by_staff.get_json()) == (200, {"likes": 2, "liked": True})


def test_a_resident_takes_back_their_like_of_a_problem_hidden_since(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: MakeIssue, make_user: Callable[..., User]
) -> None:
    """Found in an outside pass: a like of a problem moderators hid afterwards could not be withdrawn
    (404), and in a likes round that like is the resident's vote, which then could not change. Their
    own like they may take back; the answer says only what they knew, and a second unlike is the 404."""
    issue = make_issue()
    resident, other = make_user(), make_user()
    url = f"/api/v1/issues/{issue.id}/like"
    for liker in (resident, other):
        assert client.post(url, headers=auth.headers(liker)).status_code == 200
    with app.app_context():
        db.session.get(Issue, issue.id).is_hidden = True  # type: ignore[union-attr]
        db.session.commit()

    taken_back = client.delete(url, headers=auth.headers(resident))
    again = client.delete(url, headers=auth.headers(resident))

    assert (taken_back.status_code, taken_back.get_json()) == (200, {"likes": 1, "liked": False})
    assert again.status_code == 404
    with app.app_context():
        kept = db.session.scalars(select(Like.user_id).where(Like.issue_id == issue.id)).all()
    assert kept == [other.id]


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


def test_like_counts_follow_the_like_rows_however_they_change(
    app: Flask, make_issue: MakeIssue, make_user: Callable[..., User]
) -> None:
    """The database keeps likes_count: bulk inserts, deletes and an account's cascade all move it."""
    first, second = make_issue(), make_issue()
    users = [make_user() for _ in range(3)]
    with app.app_context():
        rows = [{"user_id": u.id, "issue_id": i.id} for u in users for i in (first, second)]
        db.session.execute(insert(Like), rows)  # one multi-row INSERT
        db.session.commit()
        assert (likes_in_db(app, first.id), likes_in_db(app, second.id)) == ((3, 3), (3, 3))

        db.session.execute(delete(Like).where(Like.issue_id == first.id, Like.user_id == users[0].id))
        db.session.execute(delete(User).where(User.id == users[1].id))  # cascades to both issues' likes
        db.session.commit()

    assert (likes_in_db(app, first.id), likes_in_db(app, second.id)) == ((1, 1), (2, 2))


def test_a_token_request_knows_its_holder_without_the_full_user_and_pages_ignore_it(
    client: FlaskClient, app: Flask, auth: AuthActions, make_user: Callable[..., User], make_issue: MakeIssue
) -> None:
    """On the API a token's holder is enough to like; a page ignores the token (it is no login)."""
    resident = make_user(display_name="Réka <b>Token</b>")
    headers = auth.headers(resident)
    issue = make_issue()

    liked = client.post(f"/api/v1/issues/{issue.id}/like", headers=headers)
    reported = client.post(
        f"/api/v1/issues/{issue.id}/updates", headers=headers, json={"text": "Still there this morning."}
    )
    page = client.get("/", headers=headers)

    assert liked.get_json() == {"likes": 1, "liked": True}
    assert reported.status_code == 201
    assert (reported.get_json()["actor"], reported.get_json()["note"]) == (
        "Réka <b>Token</b>",
        "Still there this morning.",
    )
    assert "Réka &lt;b&gt;Token&lt;/b&gt;" not in page.get_data(as_text=True)
    assert "Log in" in page.get_data(as_text=True)


def test_on_sqlite_a_like_holds_the_write_lock_only_while_its_statement_runs(
    app: Flask, backend: str, make_user: Callable[..., User], make_issue: MakeIssue
) -> None:
    """On SQLite the like is its own transaction (app/database/driver.py statement_transaction): before the
    view commits, another connection already sees it and can write. PostgreSQL keeps one transaction."""
    user, issue = make_user(), make_issue()
    with app.app_context():
        holder = db.session.get(User, user.id)
        assert holder is not None
        assert likes.like(db.session, holder, issue.id) == likes.LikeState(1, True)
        with db.engine.connect() as other:
            seen = other.scalar(select(Issue.likes_count).where(Issue.id == issue.id))
        assert seen == (1 if backend == "spatialite" else 0)
        if backend == "spatialite":
            path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
            # The app's SQLite library: two libraries in one process break each other's file locks.
            writer = sqlite_dbapi().connect(path, timeout=0, isolation_level=None)
            try:
                writer.execute("BEGIN IMMEDIATE")  # "database is locked" while a write is open
                writer.execute("ROLLBACK")
            finally:
                writer.close()
        db.session.commit()
    assert likes_in_db(app, issue.id) == (1, 1)


def test_a_like_after_an_unfinished_write_stays_in_its_transaction(
    app: Flask, make_user: Callable[..., User], make_issue: MakeIssue
) -> None:
    """Run or only pending, an earlier write keeps the like in the transaction: a rollback undoes both."""
    user, first, second = make_user(), make_issue(title="Before"), make_issue(title="Before")
    for issue, flush in ((first, True), (second, False)):
        with app.app_context():
            holder = db.session.get(User, user.id)
            stored = db.session.get(Issue, issue.id)
            assert holder is not None
            assert stored is not None
            stored.title = "Changed"
            if flush:
                db.session.flush()
            assert likes.like(db.session, holder, issue.id).liked
            db.session.rollback()
        assert likes_in_db(app, issue.id) == (0, 0)
        with app.app_context():
            assert db.session.scalar(select(Issue.title).where(Issue.id == issue.id)) == "Before"
