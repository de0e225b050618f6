"""A like that races a reporter's withdrawal of their report waits for it and then finds the report gone
(before, on PostgreSQL, staff's like stayed on the emptied row), and staff liking a retired report are
told it is not there (before: "liked", with nothing stored)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import Issue, Like, User
from app.services.issues import likes, own_reports
from app.services.kernel.errors import NotFound
from tests.conftest import AuthActions
from tests.races import Hold, race
from tests.web.test_own_report import report

MakeUser = Callable[..., User]


@pytest.mark.parametrize("role", ["resident", "official"])
def test_a_like_racing_the_withdrawal_waits_and_finds_the_report_gone(
    role: str,
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: MakeUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reporter, neighbour = make_user(display_name="Rosa Reporter"), make_user(role=role)
    auth.login_as(reporter)
    issue_id = report(app, client)
    # The report is retired under its lock, not yet committed, when the like comes.
    held = Hold().after(monkeypatch, own_reports, "retire_report")

    def withdraw() -> None:
        with app.app_context():
            own_reports.withdraw(db.session, db.session.get(User, reporter.id), issue_id)
            db.session.commit()

    def like() -> str:
        with app.app_context():
            try:
                likes.like(db.session, db.session.get(User, neighbour.id), issue_id)
                db.session.commit()
                return "liked"
            except NotFound:
                db.session.rollback()
                return "not found"

    assert race(withdraw, like, held)[1] == "not found"

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Like).where(Like.issue_id == issue_id)) == 0
        issue = db.session.get(Issue, issue_id)
        assert issue is not None
        assert issue.withdrawn_at is not None
        assert issue.likes_count == 0


def test_staff_liking_a_retired_report_are_told_it_is_not_there(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user())
    issue_id = report(app, client)
    assert client.post(f"/issues/{issue_id}/withdraw").status_code == 302
    official = make_user(role="official")
    with app.app_context():
        with pytest.raises(NotFound):
            likes.like(db.session, db.session.get(User, official.id), issue_id)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Like)) == 0
    auth.login_as(official)
    liked = client.post(f"/issues/{issue_id}/like")
    assert liked.status_code == 404
    assert "You like this problem" not in liked.get_data(as_text=True)
