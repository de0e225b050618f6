"""Mail headers quote residents' text (titles in subjects): a line break in it neither fails the
request that mails nor adds a header line."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Follow, Issue, User
from tests.testcity import OLD_TOWN

Outbox = Callable[[], list[EmailMessage]]


def test_a_title_with_line_breaks_is_one_line_in_the_mails_subject(
    app: Flask,
    client: FlaskClient,
    auth: Any,
    make_user: Callable[..., User],
    city: dict[str, int],
    outbox: Outbox,
) -> None:
    """A mail header may not hold a line break: a title stored with one (before titles were one line)
    must neither stop the officials' status changes (a 500) nor add a header line to the mail. A new
    title with one is refused."""
    follower = make_user(email="fay@example.org")
    reporter = make_user(email="rex@example.org")
    official = make_user(role="official")
    with app.app_context():
        db.session.add(Follow(user_id=follower.id, area_id=city["Old Town"]))
        db.session.commit()
    title = "Hole\r\nBcc: everyone@example.org\nby the school"
    report = {"category": "pothole", "title": title, "description": "Deep.", **OLD_TOWN.latlon}

    refused = client.post("/api/v1/issues", json=report, headers=auth.headers(reporter))
    assert (refused.status_code, refused.get_json()["error"]["field"]) == (422, "title")
    reported = client.post("/api/v1/issues", json={**report, "title": "Hole"}, headers=auth.headers(reporter))
    issue_id = reported.get_json()["id"]
    with app.app_context():  # as stored before titles were one line
        db.session.execute(update(Issue).where(Issue.id == issue_id).values(title=title))
        db.session.commit()
    changed = client.post(
        f"/api/v1/issues/{issue_id}/status",
        json={"status": "acknowledged", "note": "On it."},
        headers=auth.headers(official),
    )

    assert (reported.status_code, changed.status_code) == (201, 200)
    new, acknowledged = outbox()
    assert new["Subject"] == "New problem in Old Town: Hole"
    assert acknowledged["To"] == "rex@example.org"
    assert acknowledged["Subject"] == "“Hole Bcc: everyone@example.org by the school” is now Acknowledged"
    assert [new["Bcc"], acknowledged["Bcc"]] == [None, None]
