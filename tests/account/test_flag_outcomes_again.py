"""A flag opened again after its outcome is told its second outcome too (found from outside: the second
mail had the first one's outbox key and was never sent), and a blocked flagger is told nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import User
from tests.account.test_flags import mails_to
from tests.conftest import AuthActions

STAYS = "The problem report you flagged stays visible"


def test_a_flag_opened_again_is_told_its_second_outcome(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    issue = make_issue(title="Fine report")
    flagger, blocked, official = make_user(), make_user(), make_user(role="official")
    for resident in (flagger, blocked):
        auth.login_as(resident)
        assert client.post(f"/issues/{issue.id}/flag", data={"reason": "misleading"}).status_code == 302
    with app.app_context():
        db.session.execute(update(User).where(User.id == blocked.id).values(is_blocked=True))
        db.session.commit()
    auth.login_as(official)
    assert client.post(f"/staff/flags/issue/{issue.id}/dismiss").status_code == 302
    assert mails_to(app, flagger.email) == [STAYS]

    auth.login_as(flagger)
    assert client.post(f"/issues/{issue.id}/flag", data={"reason": "spam"}).status_code == 302
    auth.login_as(official)
    assert client.post(f"/staff/flags/issue/{issue.id}/dismiss").status_code == 302

    assert mails_to(app, flagger.email) == [STAYS, STAYS]
    assert mails_to(app, blocked.email) == []
