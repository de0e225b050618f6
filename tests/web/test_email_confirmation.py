"""Verified email: an unconfirmed resident reads and reports (held until confirmed) but cannot like,
follow, pledge, vote, join or flag; the mailed link confirms once, expired, tampered and foreign links change
nothing, and the JSON API says the same."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.extensions import db
from app.models import Flag, Follow, Issue, Like, Membership, User
from app.models.timestamps import rfc3339
from app.services.accounts import confirmation
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401
from tests.testcity import OLD_TOWN

MakeUser = Callable[..., User]
Outbox = Callable[[], list[EmailMessage]]
REPORT = {
    "lat": OLD_TOWN.lat,
    "lon": OLD_TOWN.lon,
    "category": "pothole",
    "title": "Broken kerb by the school",
    "description": "Prams cannot get past.",
}


def count(app: Flask, model: type, **where: object) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int(db.session.scalar(stmt) or 0)


def link_in(mail: EmailMessage) -> str:
    found = re.search(r"http://localhost(/account/confirm/\S+)", mail.get_body().get_content())  # type: ignore[union-attr]
    assert found is not None
    return found.group(1)


def test_an_unconfirmed_resident_cannot_like_follow_join_pledge_or_flag(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: MakeUser,
    make_issue,
    funding: Funding,  # noqa: F811  # type: ignore[no-untyped-def]
) -> None:
    issue = make_issue()
    group = funding.group()
    newcomer = make_user(email_confirmed=False)
    bearer = auth.headers(newcomer)
    attempts = [
        client.post(f"/api/v1/issues/{issue.id}/like", headers=bearer),
        client.post(f"/api/v1/groups/{group.group_id}/members", headers=bearer),
        client.post(
            f"/api/v1/pools/{group.pool_id}/pledges",
            json={"amount_cents": 500},
            headers={**bearer, "Idempotency-Key": "first-pledge-key"},
        ),
        client.post(f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=bearer),
    ]
    for response in attempts:
        assert response.status_code == 403, response.get_json()
        assert response.get_json()["error"]["code"] == "email_not_confirmed"
        assert "/account/confirm" in response.get_json()["error"]["message"]
    assert count(app, Like, user_id=newcomer.id) == 0
    assert count(app, Membership, user_id=newcomer.id) == 0

    auth.login(newcomer.email)
    page = client.post(f"/follows/issues/{issue.id}")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Send me a new link" in html
    # A person reads what to do, not the API's path nor a bare "Error 403 / Not allowed".
    assert "<h1>Confirm your email address first</h1>" in html
    assert "(/account/confirm)" not in html
    assert "Error 403" not in html
    assert "Nothing was saved." in html
    assert count(app, Follow, user_id=newcomer.id) == 0
    # Found from outside: the problem page offered Like and Follow, then refused them on a page of their own.
    shown = client.get(f"/issues/{issue.id}").get_data(as_text=True)
    assert 'data-testid="confirm-to-support"' in shown
    assert 'class="issue__actions"' not in shown

    # The flag form says so before it is filled in, and a post stores nothing.
    form = client.get(f"/issues/{issue.id}/flag")
    assert form.status_code == 403
    assert "<h1>Confirm your email address first</h1>" in form.get_data(as_text=True)
    assert "Nothing was saved." not in form.get_data(as_text=True)  # nothing was sent
    assert client.post(f"/issues/{issue.id}/flag", data={"reason": "spam"}).status_code == 403
    assert count(app, Flag, user_id=newcomer.id) == 0


def test_a_report_waits_for_its_reporters_confirmation_then_is_published(
    app: Flask, client: FlaskClient, auth: AuthActions, outbox: Outbox
) -> None:
    assert (
        client.post(
            "/account/register",
            data={
                "email": "kim@example.org",
                "display_name": "Kim",
                "password": "long enough",
                "confirm": "long enough",
            },
        ).status_code
        == 200
    )
    mail = outbox()[-1]
    # The mail says what the pages say: nothing waits to count later.
    assert "you cannot like, follow, pledge" in mail.get_body().get_content()  # type: ignore[union-attr]
    link = link_in(mail)
    reporter = auth.login("kim@example.org", "long enough")
    assert reporter.status_code == 302
    assert "Confirm your email to like" in client.get("/").get_data(as_text=True)
    issued = app.test_client().post(
        "/api/v1/tokens", json={"email": "kim@example.org", "password": "long enough"}
    )
    bearer = {"Authorization": f"Bearer {issued.get_json()['token']}"}
    created = app.test_client().post("/api/v1/issues", json=REPORT, headers=bearer)
    assert created.status_code == 201
    issue_id = created.get_json()["id"]

    own_view = client.get(f"/issues/{issue_id}")
    assert own_view.status_code == 200
    assert "Waiting for your confirmation" in own_view.get_data(as_text=True)
    public = app.test_client()
    assert public.get(f"/issues/{issue_id}").status_code == 404
    assert public.get(f"/api/v1/issues/{issue_id}").status_code == 404
    assert issue_id not in [f["id"] for f in public.get("/api/v1/issues").get_json()["features"]]

    with app.app_context():
        made_at = db.session.get(Issue, issue_id).created_at  # type: ignore[union-attr]
    # An Open311 harvester polls from a moment after the report was made.
    polled = rfc3339(made_at + timedelta(seconds=1))
    time.sleep(1.1)
    assert public.get("/open311/v2/requests.json", query_string={"start_date": polled}).get_json() == []
    assert client.post(link).status_code == 302
    # Dated when published (found from outside: dated when made, it fell before the harvester's
    # start_date and was never harvested).
    harvested = public.get("/open311/v2/requests.json", query_string={"start_date": polled}).get_json()
    assert [r["service_request_id"] for r in harvested] == [str(issue_id)]
    thanked = client.get("/").get_data(as_text=True)
    assert "your address is confirmed. Your report is now published." in thanked
    assert "report(s)" not in thanked
    assert public.get(f"/issues/{issue_id}").status_code == 200
    with app.app_context():
        issue = db.session.get(Issue, issue_id)
        assert issue is not None
        assert (issue.is_hidden, issue.awaiting_confirmation) == (False, False)
    assert client.get("/api/v1/account").get_json()["profile"]["email_confirmed"] is True


def test_a_link_confirms_once_and_logs_in_only_the_first_time(app: Flask, outbox: Outbox) -> None:
    first = app.test_client()
    registered = first.post(
        "/account/register",
        data={
            "email": "  LEE@Example.ORG ",
            "display_name": "Lee",
            "password": "long enough",
            "confirm": "long enough",
        },
    )
    # The page names the address as mailed (found from outside: as typed, capitals and all).
    assert "lee@example.org" in registered.get_data(as_text=True)
    assert "LEE@Example.ORG" not in registered.get_data(as_text=True)
    link = link_in(outbox()[-1])
    assert first.post(link).status_code == 302
    assert first.get("/account/security").status_code == 200  # logged in by the first use
    assert first.get_cookie("remember_token") is None  # for this browser session, not for 30 days
    again = app.test_client()
    reused = again.post(link)
    assert reused.status_code == 302
    assert reused.headers["Location"].endswith("/account/login")
    assert again.get("/account/security").status_code != 200  # a reused link is no login
    # Opened again, the link says the address is confirmed, with no button to confirm it once more
    # (found from outside: it asked again, then went to the map with a passing note).
    for client, goes_to in ((first, 'href="/">Go to the map'), (again, 'href="/account/login">Log in')):
        page = client.get(link).get_data(as_text=True)
        assert "lee@example.org</strong> is already confirmed: there is nothing more to do." in page
        assert "Confirm my address" not in page
        assert goes_to in page


@pytest.mark.parametrize(
    ("next_path", "lands_on"),
    [("/issues/new", "/issues/new"), ("//evil.example/x", "/"), ("https://evil.example/", "/")],
)
def test_the_link_leads_back_to_where_the_resident_was_going(
    app: Flask, outbox: Outbox, next_path: str, lands_on: str
) -> None:
    client = app.test_client()
    form = {
        "email": "ada@example.org",
        "display_name": "Ada",
        "password": "long enough",
        "confirm": "long enough",
    }
    assert client.post("/account/register", query_string={"next": next_path}, data=form).status_code == 200
    link = link_in(outbox()[-1])
    assert ("next=" in link) == (next_path == lands_on)  # an unsafe destination is not even mailed

    confirmed = client.post(link)

    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == lands_on


def old_token(user_id: int, email: str, age_seconds: int, app: Flask) -> str:
    """A link signed `age_seconds` ago."""
    real = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - age_seconds  # type: ignore[method-assign]
    try:
        return str(
            URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=confirmation.SALT).dumps(
                {"u": user_id, "e": email}
            )
        )
    finally:
        TimestampSigner.get_timestamp = real  # type: ignore[method-assign]


@pytest.mark.parametrize("kind", ["expired", "tampered", "foreign key", "old address"])
def test_bad_links_change_nothing(app: Flask, make_user: MakeUser, kind: str) -> None:
    user = make_user(email_confirmed=False, email="old@example.org")
    if kind == "expired":
        token = old_token(user.id, user.email, 4 * 24 * 3600, app)
        status, says = 410, "expired"
    elif kind == "tampered":
        with app.app_context():
            token = confirmation.confirmation_token(db.session.get(User, user.id))  # type: ignore[arg-type]
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        status, says = 400, "not valid"
    elif kind == "foreign key":
        token = URLSafeTimedSerializer("some-other-site", salt=confirmation.SALT).dumps(
            {"u": user.id, "e": user.email}
        )
        status, says = 400, "not valid"
    else:
        token = old_token(user.id, "previous@example.org", 60, app)
        status, says = 400, "no longer uses"
    client = app.test_client()
    for response in (client.get(f"/account/confirm/{token}"), client.post(f"/account/confirm/{token}")):
        assert response.status_code == status
        assert says in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).email_confirmed_at is None  # type: ignore[union-attr]
    assert client.get("/account/security").status_code != 200


def test_resending_is_rate_limited_and_says_so(
    app: Flask, auth: AuthActions, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user(email_confirmed=False)
    bearer = auth.headers(user)
    sent = auth.client.post("/api/v1/account/confirmation", headers=bearer)
    assert sent.status_code == 202
    assert sent.get_json()["status"] == "confirmation_sent"
    assert outbox()[-1]["To"] == user.email
    assert (
        auth.client.get("/api/v1/account", headers=bearer).get_json()["profile"]["email_confirmed"] is False
    )


def test_resending_to_a_confirmed_address_says_nothing_was_sent(
    auth: AuthActions, make_user: MakeUser, outbox: Outbox
) -> None:
    """Found from outside: it answered 202 "confirmation_sent" though nothing was sent."""
    user = make_user(email_confirmed=True)
    before = len(outbox())

    answer = auth.client.post("/api/v1/account/confirmation", headers=auth.headers(user))

    assert answer.status_code == 200
    assert answer.get_json() == {
        "email": user.email,
        "status": "already_confirmed",
        "message": f"{user.email} is confirmed already: nothing was sent.",
    }
    assert len(outbox()) == before


def test_create_user_makes_a_confirmed_account(app: Flask, runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(
        args=["create-user", "ops@example.org", "--password", "long enough pw", "--role", "official"]
    )
    assert result.exit_code == 0, result.output
    assert "email confirmed" in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "ops@example.org"))
        assert user is not None
        assert user.email_confirmed
