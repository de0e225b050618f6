"""The followers' mails are keyed by event and recipient: telling the same event again mails nobody twice."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from flask import Flask
from sqlalchemy import func, select

from app.extensions import db
from app.models import Follow, Issue, IssueEvent, OutgoingMail, User
from app.services.issues.notifications import notify_issue_event, notify_new_issue
from app.services.workflow import status_changes as workflow
from tests.mail.conftest import FollowedIssue
from tests.testcity import OLD_TOWN

SentFiles = Callable[[], list[EmailMessage]]


def keys(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(OutgoingMail.event_key).order_by(OutgoingMail.id)))


def test_a_status_change_told_again_mails_nobody_twice(
    app: Flask, followed_issue: FollowedIssue, sent_files: SentFiles
) -> None:
    with app.app_context():
        official = db.session.get(User, followed_issue.official.id)
        assert official is not None
        workflow.change_status(db.session, official, followed_issue.issue_id, "planned", "Next week.")
        db.session.commit()
        of_issue = IssueEvent.issue_id == followed_issue.issue_id
        event = db.session.scalars(select(IssueEvent).where(of_issue, IssueEvent.kind == "status")).one()
        # A retried job or command that tells the same event again.
        event_id = event.id
        notify_issue_event(db.session, event)
        db.session.commit()
    assert keys(app) == [f"issue-event:{event_id}:to:{followed_issue.follower.id}"]
    (sent,) = sent_files()
    assert sent["To"] == followed_issue.follower.email


def test_a_new_issue_told_again_mails_each_follower_of_the_area_once(
    app: Flask,
    make_user: Callable[..., User],
    make_issue: Callable[..., Issue],
    city: dict[str, int],
    sent_files: SentFiles,
) -> None:
    follower = make_user(email="neighbour@example.org")
    with app.app_context():
        db.session.add(Follow(user_id=follower.id, area_id=city["Old Town"]))
        db.session.commit()
    issue = make_issue(place=OLD_TOWN, title="Loose paving")  # reporting tells the area's followers
    with app.app_context():
        notify_new_issue(db.session, issue.id)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1
    assert keys(app) == [f"new-issue:{issue.id}:to:{follower.id}"]
    assert [m["To"] for m in sent_files()] == ["neighbour@example.org"]
