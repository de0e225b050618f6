"""A duplicate closed into another takes no new likes or follows: they would stay behind, counted nowhere
and never news (found from outside: a form or API call still liked and followed a merged duplicate,
answered "You like this problem. It moves up the priorities."). The refusal names the original, and a
like or follow racing the merge waits for it and is refused too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Follow, Issue, Like, User
from app.services.issues import follows, likes
from app.services.kernel.errors import Conflict
from app.services.workflow import duplicates
from tests.conftest import AuthActions
from tests.races import Hold, race


def counts(app: Flask, issue_id: int) -> tuple[int, int, int]:
    """(like rows, likes_count, follow rows) of an issue."""
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Like).where(Like.issue_id == issue_id))
        follows_ = db.session.scalar(
            select(func.count()).select_from(Follow).where(Follow.issue_id == issue_id)
        )
        issue = db.session.get(Issue, issue_id)
        assert issue is not None
        return int(rows or 0), issue.likes_count, int(follows_ or 0)


def merge(app: Flask, official: User, duplicate_id: int, original_id: int) -> None:
    with app.app_context():
        duplicates.mark_duplicate(db.session, db.session.get(User, official.id), duplicate_id, original_id)
        db.session.commit()


def test_a_merged_duplicate_refuses_likes_and_follows_naming_the_original(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_issue: Callable[..., Any],
) -> None:
    original, duplicate = make_issue(title="Graffiti on the bridge"), make_issue(title="Bridge graffiti")
    merge(app, make_user(role="official"), duplicate.id, original.id)
    before = counts(app, duplicate.id), counts(app, original.id)
    resident = make_user()
    bearer = auth.headers(resident)
    auth.login_as(resident)
    said = f"Problem #{duplicate.id} is closed as a duplicate of problem #{original.id}"

    liked = client.post(f"/issues/{duplicate.id}/like")
    followed = client.post(f"/follows/issues/{duplicate.id}")
    by_api = client.post(f"/api/v1/issues/{duplicate.id}/like", headers=bearer)

    for answer in (liked, followed):
        assert answer.status_code == 409
        assert said in answer.get_data(as_text=True)
        assert "You like this problem" not in answer.get_data(as_text=True)
    assert by_api.status_code == 409
    assert by_api.get_json()["error"]["field"] == "issue_id"
    assert said in by_api.get_json()["error"]["message"]
    assert (counts(app, duplicate.id), counts(app, original.id)) == before
    # The original takes both, as the duplicate's page says.
    assert client.post(f"/issues/{original.id}/like").status_code == 302
    assert client.post(f"/follows/issues/{original.id}").status_code == 302
    assert counts(app, original.id)[:2] == (before[1][0] + 1, before[1][1] + 1)


@pytest.mark.parametrize("act", ["like", "follow"])
def test_a_like_or_follow_racing_the_merge_waits_and_is_refused(
    act: str,
    app: Flask,
    make_user: Callable[..., User],
    make_issue: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original, duplicate = make_issue(), make_issue()
    official, resident = make_user(role="official"), make_user()
    # The merge has moved likes and follows, not yet committed, when the like or follow comes.
    held = Hold().after(monkeypatch, follows, "move_issue_followers")

    def support() -> str:
        with app.app_context():
            user = db.session.get(User, resident.id)
            try:
                if act == "like":
                    likes.like(db.session, user, duplicate.id)
                else:
                    follows.follow(db.session, user, issue_id=duplicate.id)
                db.session.commit()
                return "taken"
            except Conflict:
                db.session.rollback()
                return "refused"

    assert race(lambda: merge(app, official, duplicate.id, original.id), support, held)[1] == "refused"

    assert counts(app, duplicate.id) == (0, 0, 0)
