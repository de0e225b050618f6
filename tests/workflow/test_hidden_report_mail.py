"""A report a moderator hid has no public page, so nobody outside the staff is sent its title or a
link to it (found from outside: followers got status mails linking to a 404, the flagger's thank-you
linked to it, and the reporter's "My reports" linked to it too)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from app.services.issues import follows
from tests.conftest import AuthActions
from tests.mailbox import Outbox, mails_to, text_of


def _follow(app: Flask, user: Any, issue_id: int) -> None:
    with app.app_context():
        follows.follow(db.session, db.session.get(User, user.id), issue_id=issue_id)
        db.session.commit()


def test_a_hidden_reports_status_mail_goes_to_staff_followers_only(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    outbox: Outbox,
) -> None:
    issue = make_issue(title="Rude words in a title")
    resident, colleague = make_user(), make_user(role="official")
    _follow(app, resident, issue.id)
    _follow(app, colleague, issue.id)
    auth.login_as(make_user(role="official"))
    assert client.post(f"/staff/issues/{issue.id}/hide", data={"reason": "abusive"}).status_code == 302

    changed = client.post(
        f"/staff/issues/{issue.id}/status", data={"status": "in-progress", "note": "Crew sent."}
    )

    assert changed.status_code == 302
    assert mails_to(outbox, resident.email) == []
    assert len(mails_to(outbox, colleague.email)) == 1

    assert client.post(f"/staff/issues/{issue.id}/unhide", data={"reason": "fine"}).status_code == 302
    client.post(f"/staff/issues/{issue.id}/status", data={"status": "planned", "note": "Booked."})
    assert len(mails_to(outbox, resident.email)) == 1  # public again: followers hear again


def test_the_flagger_of_a_hidden_report_gets_no_link_to_it(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    outbox: Outbox,
) -> None:
    issue = make_issue(title="Advert for a shop")
    flagger = make_user()
    auth.login_as(flagger)
    assert client.post(f"/issues/{issue.id}/flag", data={"reason": "spam"}).status_code == 302
    auth.login_as(make_user(role="official"))

    client.post(f"/staff/flags/issue/{issue.id}/hide", data={"reason": "Advertising"})

    [thanks] = mails_to(outbox, flagger.email)
    assert thanks["Subject"] == "Thank you: the problem report you flagged is hidden"
    assert "Reason: Advertising" in text_of(thanks)
    assert f"/issues/{issue.id}" not in text_of(thanks)


def test_my_reports_names_a_hidden_report_without_a_link_to_it(
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
) -> None:
    reporter = make_user()
    shown, hidden = (
        make_issue(reporter=reporter, title="Kept"),
        make_issue(reporter=reporter, title="Hidden one"),
    )
    auth.login_as(make_user(role="official"))
    assert client.post(f"/staff/issues/{hidden.id}/hide", data={"reason": "abusive"}).status_code == 302
    auth.login_as(reporter)

    page = client.get("/account").get_data(as_text=True)

    mine = page.split('id="reports"')[1].split("</section>")[0]
    assert f'href="/issues/{shown.id}" dir="auto">Kept</a>' in mine
    assert f'href="/issues/{hidden.id}"' not in mine
    assert '<span class="mine__title" dir="auto">Hidden one</span>' in mine
    assert "Hidden by a moderator: only the city's staff see it" in mine
