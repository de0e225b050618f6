"""Following issues and areas, the emails it brings (after commit only), and the one-click unsubscribe."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import create_app, mail
from app.extensions import db
from app.models import Follow, Issue, User
from app.services.workflow import status_changes as workflow
from config import TestingConfig, from_environment
from tests.testcity import OLD_TOWN, RIVERSIDE
from tests.workspace.conftest import Stamp

MakeIssue = Callable[..., Issue]
Outbox = Callable[[], list[EmailMessage]]


def follows_of(app: Flask, user: User) -> list[tuple[int | None, int | None]]:
    with app.app_context():
        return list(
            db.session.execute(
                select(Follow.issue_id, Follow.area_id).where(Follow.user_id == user.id).order_by(Follow.id)
            ).tuples()
        )


def unsubscribe_path(message: EmailMessage) -> str:
    header = str(message["List-Unsubscribe"])
    match = re.fullmatch(r"<http://localhost(/follows/unsubscribe/[^>]+)>", header)
    assert match, header
    return match.group(1)


def change_status(app: Flask, actor: User, issue_id: int, status: str, note: str) -> None:
    with app.app_context():
        workflow.change_status(db.session, db.session.get(User, actor.id), issue_id, status, note)  # type: ignore[arg-type]
        db.session.commit()


def test_follow_and_unfollow_an_issue(
    app: Flask, client: FlaskClient, auth: Any, make_user: Callable[..., User], make_issue: MakeIssue
) -> None:
    resident = make_user()
    issue = make_issue()
    auth.login(resident.email)
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert f'action="/follows/issues/{issue.id}"' in page
    assert ">Follow</button>" in page

    response = client.post(f"/follows/issues/{issue.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/issues/{issue.id}"
    assert follows_of(app, resident) == [(issue.id, None)]
    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert ">Unfollow</button>" in page
    assert "You follow this problem" in page
    client.post(f"/follows/issues/{issue.id}")  # twice is harmless
    assert follows_of(app, resident) == [(issue.id, None)]

    client.post(f"/follows/issues/{issue.id}/unfollow")
    assert follows_of(app, resident) == []


def test_follow_an_area_from_its_priorities(
    app: Flask, client: FlaskClient, auth: Any, make_user: Callable[..., User], city: dict[str, int]
) -> None:
    resident = make_user()
    auth.login(resident.email)
    area_id = city["Riverside"]
    page = client.get(f"/priorities?area={area_id}").get_data(as_text=True)
    assert "Follow Riverside" in page
    assert f"/feeds/areas/{area_id}.atom" in page

    client.post(f"/follows/areas/{area_id}")
    assert follows_of(app, resident) == [(None, area_id)]
    assert "Unfollow Riverside" in client.get(f"/priorities?area={area_id}").get_data(as_text=True)
    client.post(f"/follows/areas/{area_id}/unfollow")
    assert follows_of(app, resident) == []


def test_visitors_must_log_in_to_follow(client: FlaskClient, make_issue: MakeIssue) -> None:
    issue = make_issue()
    assert "Log in to follow" in client.get(f"/issues/{issue.id}").get_data(as_text=True)
    response = client.post(f"/follows/issues/{issue.id}")
    assert response.status_code in (302, 401)


def test_status_change_emails_followers_with_one_click_unsubscribe(
    app: Flask,
    client: FlaskClient,
    auth: Any,
    make_user: Callable[..., User],
    make_issue: MakeIssue,
    outbox: Outbox,
) -> None:
    resident = make_user(email="rita@example.org")
    official = make_user(role="official", email="olivia@city.example")
    issue = make_issue(title="Broken bench", reporter=resident)  # a reporter follows their report
    for user in (resident, official):  # following again changes nothing
        auth.login(user.email)
        client.post(f"/follows/issues/{issue.id}")
        auth.logout()

    change_status(app, official, issue.id, "acknowledged", "A crew will look at it this week.")

    (message,) = outbox()  # the official who acted gets no email about it
    assert message["To"] == "rita@example.org"
    assert message["Subject"] == "“Broken bench” is now Acknowledged"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_content()
    assert "changed from New to Acknowledged" in body
    assert "A crew will look at it this week." in body
    assert f"http://localhost/issues/{issue.id}" in body
    assert "You get this email because you follow this problem on Commonfix." in body
    path = unsubscribe_path(message)
    # Found from outside: "with one click" led to a page with a button (a link opened by a mail
    # scanner must not unsubscribe; the List-Unsubscribe-Post header is the one click).
    assert f"Stop these emails: http://localhost{path}" in body

    # The link works without logging in: GET asks, POST (what mail clients send) unsubscribes.
    asking = client.get(path).get_data(as_text=True)
    assert "Stop emails?" in asking
    assert "Unsubscribing also unfollows it" in asking
    assert follows_of(app, resident) == [(issue.id, None)]
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You are unsubscribed" in done.get_data(as_text=True)
    assert "Mails about your own report or money you put behind it still come." in done.get_data(as_text=True)
    assert follows_of(app, resident) == []
    assert client.post(path).status_code == 200  # again: harmless
    # Found from outside: opening the link again asked "Stop emails?" as if they still came.
    again = client.get(path).get_data(as_text=True)
    assert "You are unsubscribed" in again
    assert "Stop emails?" not in again

    change_status(app, official, issue.id, "fixed", "Repaired.")
    assert len(outbox()) == 1  # nobody follows it any more except the actor


def test_a_forged_unsubscribe_link_does_nothing(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], make_issue: MakeIssue
) -> None:
    resident = make_user()
    issue = make_issue()
    with app.app_context():
        db.session.add(Follow(user_id=resident.id, issue_id=issue.id))
        db.session.commit()
    from app.services.issues.notifications import Subscription, unsubscribe_token

    with app.test_request_context():
        token = unsubscribe_token(Subscription(resident.id, issue_id=issue.id))
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(f"/follows/unsubscribe/{forged}")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True)
    assert follows_of(app, resident) == [(issue.id, None)]


def test_no_mail_for_a_change_that_was_rolled_back(
    app: Flask, make_user: Callable[..., User], make_issue: MakeIssue, outbox: Outbox
) -> None:
    resident = make_user()
    official = make_user(role="official")
    issue = make_issue(reporter=resident)  # who follows their report
    with app.app_context():
        workflow.change_status(db.session, db.session.get(User, official.id), issue.id, "planned", "Maybe.")  # type: ignore[arg-type]
        assert len(mail.pending_mail(db.session)) == 1
        db.session.rollback()
        assert mail.pending_mail(db.session) == []
        db.session.commit()
    assert outbox() == []


def test_new_issue_in_a_followed_area(
    app: Flask,
    client: FlaskClient,
    auth: Any,
    make_user: Callable[..., User],
    city: dict[str, int],
    outbox: Outbox,
) -> None:
    follower = make_user(email="fay@example.org")
    reporter = make_user(email="rex@example.org")
    with app.app_context():
        for user in (follower, reporter):
            db.session.add(Follow(user_id=user.id, area_id=city["Old Town"]))
        db.session.commit()
    headers = auth.headers(reporter)
    report = {"category": "pothole", "title": "Hole by the school", "description": "Deep.", **OLD_TOWN.latlon}

    old_town = client.post("/api/v1/issues", json=report, headers=headers)
    riverside = client.post("/api/v1/issues", json={**report, **RIVERSIDE.latlon}, headers=headers)
    assert (old_town.status_code, riverside.status_code) == (201, 201)

    (message,) = outbox()  # not the reporter; nothing for Riverside
    assert message["To"] == "fay@example.org"
    assert message["Subject"] == "New problem in Old Town: Hole by the school"
    assert "Hole by the school" in message.get_content()
    assert "You get this email because you follow this area on Commonfix." in message.get_content()
    client.post(unsubscribe_path(message))
    assert follows_of(app, follower) == []
    assert follows_of(app, reporter) == [  # the area, and each of their own reports
        (None, city["Old Town"]),
        (old_town.get_json()["id"], None),
        (riverside.get_json()["id"], None),
    ]


def _report_on_the_web(client: FlaskClient, auth: Any, reporter: User) -> int:
    auth.login(reporter.email)
    data = {"category": "pothole", "title": "Hole by the school", "description": "Deep.", **OLD_TOWN.latlon}
    return client.post("/issues/new", data=data).status_code


def _report_through_the_api(client: FlaskClient, auth: Any, reporter: User) -> int:
    report = {"category": "pothole", "title": "Hole by the school", "description": "Deep.", **OLD_TOWN.latlon}
    return client.post("/api/v1/issues", json=report, headers=auth.headers(reporter)).status_code


def _report_through_open311(client: FlaskClient, auth: Any, reporter: User) -> int:
    data = {
        "api_key": auth.token(reporter.email),
        "service_code": "pothole",
        "lat": OLD_TOWN.lat,
        "long": OLD_TOWN.lon,
        "description": "Hole by the school\nDeep.",
    }
    return client.post("/open311/v2/requests.json", data=data).status_code


@pytest.mark.parametrize(
    ("report", "created"),
    [(_report_on_the_web, 302), (_report_through_the_api, 201), (_report_through_open311, 201)],
    ids=["web form", "json api", "open311"],
)
def test_every_way_of_reporting_tells_the_areas_followers(
    app: Flask,
    client: FlaskClient,
    auth: Any,
    make_user: Callable[..., User],
    city: dict[str, int],
    outbox: Outbox,
    report: Callable[[FlaskClient, Any, User], int],
    created: int,
) -> None:
    follower = make_user(email="fay@example.org")
    reporter = make_user(email="rex@example.org")
    with app.app_context():
        db.session.add(Follow(user_id=follower.id, area_id=city["Old Town"]))
        db.session.commit()

    assert report(client, auth, reporter) == created

    (message,) = outbox()
    assert message["To"] == "fay@example.org"
    assert message["Subject"] == "New problem in Old Town: Hole by the school"


def test_not_fixed_tells_followers_and_staff_following_the_area(
    app: Flask,
    make_user: Callable[..., User],
    make_issue: MakeIssue,
    stamp: Stamp,
    city: dict[str, int],
    outbox: Outbox,
) -> None:
    resident = make_user(email="rita@example.org")
    official = make_user(role="official", email="olivia@city.example")
    bystander = make_user(email="bob@example.org")  # follows the area but is not staff
    issue = make_issue(title="Leaking hydrant", reporter=resident)  # who follows their report
    from app.models.timestamps import utcnow

    stamp(issue.id, status="fixed", fixed_at=utcnow())
    with app.app_context():
        db.session.add_all(
            [
                Follow(user_id=official.id, area_id=city["Old Town"]),
                Follow(user_id=bystander.id, area_id=city["Old Town"]),
            ]
        )
        db.session.commit()
        other = make_user()
        workflow.not_fixed(db.session, db.session.get(User, other.id), issue.id, "Still leaking.")  # type: ignore[arg-type]
        db.session.commit()

    messages = outbox()
    assert sorted(m["To"] for m in messages) == ["olivia@city.example", "rita@example.org"]
    assert all(m["Subject"] == "Reopened: “Leaking hydrant” is not fixed" for m in messages)
    assert all("Still leaking." in m.get_content() for m in messages)


def test_mail_sent_outside_a_request_links_to_the_public_url_from_the_environment(
    app: Flask,
    make_user: Callable[..., User],
    make_issue: MakeIssue,
    outbox: Outbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resident = make_user(email="rita@example.org")
    official = make_user(role="official")
    issue = make_issue(title="Broken bench", reporter=resident)  # who follows their report
    # What a worker or a CLI command does: its own app, configured from the environment, no request.
    monkeypatch.setenv("PUBLIC_URL", "https://fix.example.city/town/")
    keep = ("SQLALCHEMY_DATABASE_URI", "MAIL_OUTBOX_DIR", "UPLOAD_FOLDER")
    worker = create_app(TestingConfig, {key: app.config[key] for key in keep})
    assert worker.config["PUBLIC_URL"] == "https://fix.example.city/town"
    try:
        change_status(worker, official, issue.id, "acknowledged", "On it.")
    finally:
        with worker.app_context():
            db.engine.dispose()

    (message,) = outbox()
    body = message.get_content()
    assert f"https://fix.example.city/town/issues/{issue.id}" in body
    assert str(message["List-Unsubscribe"]).startswith("<https://fix.example.city/town/follows/unsubscribe/")
    assert "localhost" not in body


@pytest.mark.parametrize("value", ["fix.example.city", "ftp://fix.example.city", "https://x.example/?a=1"])
def test_a_public_url_that_is_not_an_absolute_web_address_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="PUBLIC_URL must be an absolute http"):
        from_environment({"PUBLIC_URL": value})


def test_smtp_backend_uses_the_configured_server(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, object]] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            calls.append(("connect", (host, port)))

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append(("quit", None))

        def starttls(self, context: object) -> None:
            calls.append(("starttls", None))

        def login(self, user: str, password: str) -> None:
            calls.append(("login", (user, password)))

        def send_message(self, message: EmailMessage) -> None:
            calls.append(("send", message["To"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    backend = mail.SmtpBackend(
        {
            "MAIL_SERVER": "smtp.city.example",
            "MAIL_PORT": 587,
            "MAIL_USE_TLS": True,
            "MAIL_USERNAME": "robot",
            "MAIL_PASSWORD": "pw",
        }
    )
    message = mail.build_message(to="a@example.org", subject="Hi", text="Hello", sender="x@example.org")
    backend.send([message, message])
    assert calls == [
        ("connect", ("smtp.city.example", 587)),
        ("starttls", None),
        ("login", ("robot", "pw")),
        ("send", "a@example.org"),
        ("send", "a@example.org"),
        ("quit", None),
    ]


def test_mail_backend_setting_is_checked(app: Flask) -> None:
    app.config["MAIL_BACKEND"] = "carrier-pigeon"
    with pytest.raises(ValueError, match="MAIL_BACKEND must be 'smtp' or 'outbox'"):
        mail.backend_for(app)
