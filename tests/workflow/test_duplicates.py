"""Duplicates: likes move without double counting, followers follow the original, errors change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.models import Follow, Issue, Like
from app.services.issues import follows, likes
from tests.conftest import AuthActions
from tests.workflow.issue_state import audit_actions, events_of, issue_state


def _like(app: Flask, user: Any, issue_id: int) -> None:
    with app.app_context():
        likes.like(db.session, db.session.merge(user), issue_id)
        db.session.commit()


def _follow(app: Flask, user: Any, issue_id: int) -> None:
    with app.app_context():
        follows.follow(db.session, db.session.merge(user), issue_id=issue_id)
        db.session.commit()


def test_likes_move_to_the_original_without_double_counting(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    original = make_issue(title="Broken light on Elm Street")
    duplicate = make_issue(title="Street light out near Elm")
    both, only_dup, only_orig = make_user(), make_user(), make_user()
    for user in (both, only_orig):
        _like(app, user, original.id)
    for user in (both, only_dup):
        _like(app, user, duplicate.id)
    _follow(app, only_dup, duplicate.id)
    _follow(app, both, duplicate.id)
    _follow(app, both, original.id)

    response = client.post(
        f"/api/v1/issues/{duplicate.id}/duplicate-of",
        json={"original_id": original.id},
        headers=auth.headers(role="official"),
    )

    assert response.status_code == 200, response.get_json()
    feature = response.get_json()
    assert feature["id"] == original.id
    assert feature["properties"]["likes"] == 3  # both, only_orig, only_dup: "both" counted once
    assert issue_state(app, original.id)["likes"] == 3
    dup = issue_state(app, duplicate.id)
    assert dup["likes"] == 0
    assert dup["status"] == "duplicate"
    assert dup["duplicate_of"] == original.id
    assert dup["closed_at"] is not None
    with app.app_context():
        liked_original = set(db.session.scalars(select(Like.user_id).where(Like.issue_id == original.id)))
        followers = set(db.session.scalars(select(Follow.user_id).where(Follow.issue_id == original.id)))
    assert liked_original == {both.id, only_dup.id, only_orig.id}
    # Reporters follow their own reports: the duplicate's reporter now follows the original too.
    assert followers == {both.id, only_dup.id, original.reporter_id, duplicate.reporter_id}
    with app.app_context():  # moved, not copied: "What I follow" lists the original alone
        assert db.session.scalars(select(Follow.user_id).where(Follow.issue_id == duplicate.id)).all() == []
    assert audit_actions(app)[-1] == ("issue.duplicate", str(duplicate.id))
    kinds = [e[0] for e in events_of(app, original.id)]
    assert kinds == ["merged"]

    dup_page = client.get(f"/issues/{duplicate.id}").get_data(as_text=True)
    assert f'href="/issues/{original.id}">problem #{original.id}</a>' in dup_page
    assert "closed as a duplicate of" in dup_page
    orig_page = client.get(f"/issues/{original.id}").get_data(as_text=True)
    assert f"problem #{duplicate.id}</a> was a duplicate of this one" in orig_page
    # Both of the duplicate's likes count here, one of them a resident's who already liked it (found
    # from outside: "0 likes moved here" read as the duplicate's likes lost).
    assert "its 2 likes count here now (1 new, 1 from residents who already like this one)." in orig_page


def test_issues_that_pointed_at_the_duplicate_now_point_at_the_original(
    app: Flask, client: FlaskClient, auth: AuthActions, make_issue: Callable[..., Any]
) -> None:
    a, b, c = make_issue(), make_issue(), make_issue()
    headers = auth.headers(role="official")
    assert (
        client.post(
            f"/api/v1/issues/{a.id}/duplicate-of", json={"original_id": b.id}, headers=headers
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/issues/{b.id}/duplicate-of", json={"original_id": c.id}, headers=headers
        ).status_code
        == 200
    )

    assert issue_state(app, a.id)["duplicate_of"] == c.id
    assert issue_state(app, b.id)["duplicate_of"] == c.id


@pytest.mark.parametrize(
    ("case", "status", "field", "message"),
    [
        ("itself", 422, "original_id", "cannot be a duplicate of itself"),
        ("missing", 404, "original_id", "no issue 999999"),
        ("chain", 422, "original_id", "is itself a duplicate"),
        ("not a number", 422, "original_id", "original issue's number"),
        ("already", 422, "issue_id", "already closed as a duplicate"),
        ("long note", 422, "note", "at most 2,000 characters"),
        ("hidden original", 422, "original_id", "is not public"),
    ],
)
def test_bad_duplicates_are_refused_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    case: str,
    status: int,
    field: str,
    message: str,
) -> None:
    issue, other, third = make_issue(likes_from=2), make_issue(likes_from=1), make_issue()
    hidden = make_issue()
    with app.app_context():  # a moderator hid it: residents cannot see it
        db.session.execute(update(Issue).where(Issue.id == hidden.id).values(is_hidden=True))
        db.session.commit()
    headers = auth.headers(role="official")
    assert (
        client.post(
            f"/api/v1/issues/{third.id}/duplicate-of", json={"original_id": other.id}, headers=headers
        ).status_code
        == 200
    )
    body: dict[str, Any] = {
        "itself": {"original_id": issue.id},
        "missing": {"original_id": 999999},
        "chain": {"original_id": third.id},
        "not a number": {"original_id": "the big one"},
        "already": {"original_id": issue.id},
        "long note": {"original_id": other.id, "note": "z" * 2001},
        "hidden original": {"original_id": hidden.id},
    }[case]
    target = third.id if case == "already" else issue.id
    before = table_counts()
    states = {i: issue_state(app, i) for i in (issue.id, other.id, third.id, hidden.id)}

    response = client.post(f"/api/v1/issues/{target}/duplicate-of", json=body, headers=headers)

    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["field"] == field
    assert message in error["message"]
    assert table_counts() == before
    assert {i: issue_state(app, i) for i in states} == states


def test_the_web_panel_marks_a_duplicate(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    original, duplicate = make_issue(), make_issue(likes_from=2)
    auth.login_as(make_user(role="official"))

    bad = client.post(f"/staff/issues/{duplicate.id}/duplicate", data={"original_id": str(duplicate.id)})
    assert bad.status_code == 422
    assert "cannot be a duplicate of itself" in bad.get_data(as_text=True)

    good = client.post(
        f"/staff/issues/{duplicate.id}/duplicate",
        data={"original_id": str(original.id), "confirm": "yes"},
        follow_redirects=True,
    )
    assert good.status_code == 200
    assert "its likes and followers moved to the original" in good.get_data(as_text=True)
    assert issue_state(app, original.id)["likes"] == 2


def test_the_panel_asks_before_marking_a_duplicate(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Marking cannot be undone (the likes and followers move): the panel's button leads to a review
    (tests/workflow/test_duplicate_review.py), and only the review's button says yes."""
    issue = make_issue()
    auth.login_as(make_user(role="official"))

    page = client.get(f"/staff/issues/{issue.id}").get_data(as_text=True)

    form = page.split(f'action="/staff/issues/{issue.id}/duplicate"', 1)[1].split("</form>", 1)[0]
    assert form.count('type="submit"') == 1
    assert 'name="confirm"' not in form
    assert "Mark as duplicate…" in form


def test_a_duplicate_keeps_its_status(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    """Found from outside: the panel said a duplicate "cannot be unmarked", yet its status could be
    changed, which reopened it with no likes while they stayed on the original."""
    original, duplicate, other = make_issue(), make_issue(likes_from=2), make_issue()
    staff = auth.headers(role="official")
    marked = client.post(
        f"/api/v1/issues/{duplicate.id}/duplicate-of", json={"original_id": original.id}, headers=staff
    )
    assert marked.status_code == 200
    before = issue_state(app, duplicate.id)

    single = client.post(
        f"/api/v1/issues/{duplicate.id}/status", json={"status": "in-progress", "note": "x"}, headers=staff
    )
    assert single.status_code == 422
    assert single.get_json()["error"]["field"] == "status"
    assert f"is closed as a duplicate of #{original.id}" in single.get_json()["error"]["message"]
    auth.login_as(make_user(role="official"))
    bulk = client.post(
        "/staff/dashboard/bulk-status",
        data={"issue_ids": [str(other.id), str(duplicate.id)], "status": "planned", "note": "Batch"},
    )
    assert bulk.status_code == 422
    assert issue_state(app, duplicate.id) == before
    assert issue_state(app, other.id)["status"] == "new"  # all or nothing

    page = client.get(f"/staff/issues/{duplicate.id}").get_data(as_text=True)
    assert 'data-testid="duplicate-status"' in page
    assert f'action="/staff/issues/{duplicate.id}/status"' not in page
    assert f'action="/staff/issues/{duplicate.id}/duplicate"' not in page  # marked once already
    # Found from outside: a stale tab's status change, or a second merge, came back with no word.
    refusals = {
        "status": (
            {"status": "in-progress", "note": "Crew sent"},
            f"closed as a duplicate of #{original.id}",
        ),
        "duplicate": (
            {"original_id": str(other.id)},
            f"Issue #{duplicate.id} is already closed as a duplicate.",
        ),
    }
    for action, (data, said) in refusals.items():
        refused = client.post(f"/staff/issues/{duplicate.id}/{action}", data=data)
        assert refused.status_code == 422, action
        assert said in refused.get_data(as_text=True), action
    # Any other problem's status list starts with a prompt, not with "New".
    form = client.get(f"/staff/issues/{other.id}").get_data(as_text=True)
    assert 'name="status"><option value="">Choose the new status…</option>' in form


def test_a_duplicate_without_an_original_may_change_status(
    client: FlaskClient, app: Flask, auth: AuthActions, make_issue: Callable[..., Any], make_user
) -> None:
    """Found from outside: problems with the duplicate status and no original (demo data) were refused
    every change, "its likes and followers moved there", though nothing had moved."""
    orphan = make_issue()
    with app.app_context():
        db.session.execute(update(Issue).where(Issue.id == orphan.id).values(status="duplicate"))
        db.session.commit()
    headers = auth.headers(role="official")
    auth.login_as(make_user(role="official"))
    page = client.get(f"/staff/issues/{orphan.id}").get_data(as_text=True)
    assert 'data-testid="duplicate-status"' not in page
    assert f'action="/staff/issues/{orphan.id}/status"' in page

    changed = app.test_client().post(
        f"/api/v1/issues/{orphan.id}/status",
        json={"status": "acknowledged", "note": "Reopened: it has no original."},
        headers=headers,
    )

    assert changed.status_code == 200
    assert issue_state(app, orphan.id)["status"] == "acknowledged"
