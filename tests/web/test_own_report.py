"""A reporter's own report: the name can be hidden or shown at any time; the text corrected and the
report withdrawn only while nobody else has taken it up (found from outside: a resident who had put
their flat number in a report could neither change nor take it back)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, Photo, User
from app.services.issues import likes
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.testcity import OLD_TOWN

MakeUser = Callable[..., User]
REPORT = {
    "lat": str(OLD_TOWN.lat),
    "lon": str(OLD_TOWN.lon),
    "category": "pothole",
    "title": "Broken step by my door",
    "description": "My flat is number 12 upstairs.",
}


def report(app: Flask, client: FlaskClient) -> int:
    sent = client.post(
        "/issues/new",
        data={**REPORT, "photo": (io.BytesIO(jpeg_with_gps()), "step.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        return int(db.session.scalars(select(Issue.id).order_by(Issue.id.desc())).first() or 0)


def test_a_reporter_corrects_and_withdraws_a_report_nobody_took_up(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user(display_name="Rosa Reporter"))
    issue_id = report(app, client)
    own = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'data-testid="own-report"' in own
    assert "Correct it" in own
    assert "Withdraw my report" in own
    assert 'data-testid="own-report"' not in app.test_client().get(f"/issues/{issue_id}").get_data(
        as_text=True
    )
    form = client.get(f"/issues/{issue_id}/correct").get_data(as_text=True)
    assert "My flat is number 12 upstairs." in form

    bad = client.post(f"/issues/{issue_id}/correct", data={"title": "", "description": "Still broken."})
    assert bad.status_code == 422
    assert "Title is required." in bad.get_data(as_text=True)
    done = client.post(
        f"/issues/{issue_id}/correct",
        data={"title": "Broken step on Elm Row", "description": "Still broken."},
    )
    assert done.status_code == 302
    page = app.test_client().get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "Broken step on Elm Row" in page
    assert "number 12" not in page

    with app.app_context():
        photo = db.session.scalars(select(Photo.filename).where(Photo.issue_id == issue_id)).one()
    stored = Path(app.config["UPLOAD_FOLDER"]) / photo
    assert stored.is_file()
    withdrawn = client.post(f"/issues/{issue_id}/withdraw")
    assert withdrawn.status_code == 302
    assert withdrawn.headers["Location"] == "/account#reports"
    assert app.test_client().get(f"/issues/{issue_id}").status_code == 404
    assert not stored.exists()
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["issue.reporter_edit", "issue.withdraw"]
    # Found from outside: on SQLite the next report got the withdrawn one's id.
    next_id = report(app, client)
    assert next_id > issue_id
    with app.app_context():
        kept = db.session.get(Issue, issue_id)
        assert kept is not None
        assert (kept.title, kept.description, kept.reporter_id) == ("Withdrawn by its reporter", "", None)


def test_once_a_neighbour_likes_it_only_the_name_can_change(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    rosa = make_user(display_name="Rosa Reporter")
    auth.login_as(rosa)
    issue_id = report(app, client)
    neighbour = make_user()
    with app.app_context():
        likes.like(db.session, db.session.get(User, neighbour.id), issue_id)
        db.session.commit()

    refused = client.post(f"/issues/{issue_id}/withdraw", follow_redirects=True)
    assert "This report can no longer be withdrawn: residents liked it" in refused.get_data(as_text=True)
    assert app.test_client().get(f"/issues/{issue_id}").status_code == 200
    assert 'data-testid="taken-up"' in client.get(f"/issues/{issue_id}/correct").get_data(as_text=True)
    own = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert "Hide my name on it" in own
    assert "Withdraw my report" not in own
    edited = client.post(f"/issues/{issue_id}/correct", data={"title": "Changed", "description": "Changed."})
    assert edited.status_code == 409

    assert "Rosa Reporter" in app.test_client().get(f"/issues/{issue_id}").get_data(as_text=True)
    assert client.post(f"/issues/{issue_id}/name", data={"hide": "yes"}).status_code == 302
    assert "Rosa Reporter" not in app.test_client().get(f"/issues/{issue_id}").get_data(as_text=True)
    assert client.post(f"/issues/{issue_id}/name", data={"hide": "no"}).status_code == 302
    assert "Rosa Reporter" in app.test_client().get(f"/issues/{issue_id}").get_data(as_text=True)
    for choice in ({}, {"hide": ""}, {"hide": "YES"}, {"hide": "maybe"}):
        refused = client.post(f"/issues/{issue_id}/name", data=choice)
        assert refused.status_code == 422, choice
        assert "“hide” is yes or no" in refused.get_data(as_text=True)
    assert "Rosa Reporter" in app.test_client().get(f"/issues/{issue_id}").get_data(as_text=True)


def test_nobody_else_may_touch_a_report(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user())
    issue_id = report(app, client)
    auth.login_as(make_user())
    for path in ("withdraw", "name", "correct"):
        assert client.post(f"/issues/{issue_id}/{path}", data={"hide": "yes"}).status_code == 404, path
    assert client.get(f"/issues/{issue_id}/correct").status_code == 404
    auth.logout()
    assert client.post(f"/issues/{issue_id}/withdraw").status_code == 302  # to the login page
    assert app.test_client().get(f"/issues/{issue_id}").status_code == 200


def test_an_open_flag_keeps_the_text_and_a_withdrawn_report_stays_hidden(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    """Found from outside: a reporter rewrote a report a neighbour had just flagged, so the moderator
    saw other words than those flagged."""
    flagger = auth.headers(make_user())  # a token asked for before this client logs in
    auth.login_as(make_user())
    issue_id = report(app, client)
    flagged = app.test_client().post(
        f"/api/v1/issues/{issue_id}/flags", json={"reason": "abusive"}, headers=flagger
    )
    assert flagged.status_code in (200, 201), flagged.get_json()
    refused = client.post(
        f"/issues/{issue_id}/correct", data={"title": "Innocent", "description": "Innocent."}
    )
    assert refused.status_code == 409
    assert "residents flagged it to the moderators" in refused.get_data(as_text=True)


def test_moderators_cannot_show_a_withdrawn_report_again(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user())
    issue_id = report(app, client)
    assert client.post(f"/issues/{issue_id}/withdraw").status_code == 302
    auth.login_as(make_user(role="admin"))
    shown = client.post(f"/staff/issues/{issue_id}/unhide", data={"reason": ""}, follow_redirects=True)
    assert "was withdrawn by its reporter: it stays hidden, empty." in shown.get_data(as_text=True)
    assert app.test_client().get(f"/issues/{issue_id}").status_code == 404


def test_staff_cannot_act_on_a_withdrawn_report_and_its_category_can_go(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    """Found from outside: staff could like, edit and set the status of the emptied row, and it kept
    its category from being deleted."""
    auth.login_as(make_user(role="admin"))
    assert (
        client.post("/staff/admin/categories", data={"code": "snow", "name": "Snow drift"}).status_code == 302
    )
    auth.login_as(make_user())
    sent = client.post("/issues/new", data={**REPORT, "category": "snow"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        issue_id = int(db.session.scalars(select(Issue.id).order_by(Issue.id.desc())).first() or 0)
    assert client.post(f"/issues/{issue_id}/withdraw").status_code == 302

    auth.login_as(make_user(role="admin"))
    page = client.get(f"/issues/{issue_id}").get_data(as_text=True)
    assert 'data-testid="withdrawn"' in page
    assert "Flag this report" not in page
    status = client.post(
        f"/staff/issues/{issue_id}/status", data={"status": "fixed", "note": "Done."}, follow_redirects=True
    )
    assert "was withdrawn by its reporter" in status.get_data(as_text=True)
    client.post(f"/issues/{issue_id}/like")
    with app.app_context():
        assert db.session.get(Issue, issue_id).likes_count == 0  # type: ignore[union-attr]
    assert client.post("/staff/admin/categories/snow/delete").status_code == 302
