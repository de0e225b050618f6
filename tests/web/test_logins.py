"""Logout that logs out: an ended login refuses its old session cookie and its remember token, "log out
everywhere" ends every device's login, and API tokens are listed and revoked one by one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Issue, Like, LoginSession, User
from app.models.timestamps import utcnow
from tests.conftest import AuthActions

MakeUser = Callable[..., User]
MakeIssue = Callable[..., Issue]
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/156.0 Mobile Safari/537.36"


def like_count(app: Flask, issue_id: int, user_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(func.count())
                .select_from(Like)
                .where(Like.issue_id == issue_id, Like.user_id == user_id)
            )
            or 0
        )


def login(client: FlaskClient, user: User, remember: bool = False) -> None:
    form = {"email": user.email, "password": "correct-horse-battery"}
    if remember:
        form["remember"] = "y"
    response = client.post("/account/login", data=form, headers={"User-Agent": PHONE})
    assert response.status_code == 302, response.get_data(as_text=True)


def is_logged_in(client: FlaskClient) -> bool:
    return client.get("/account/security").status_code == 200


def test_the_old_session_cookie_is_refused_after_logout(
    app: Flask, make_user: MakeUser, make_issue: MakeIssue
) -> None:
    user = make_user()
    issue = make_issue()
    client = app.test_client()
    login(client, user)
    stolen = client.get_cookie("session")
    assert stolen is not None
    assert client.post("/account/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen.value)
    assert not is_logged_in(replay)
    response = replay.post(f"/issues/{issue.id}/like")
    assert response.status_code in (302, 401)
    assert like_count(app, issue.id, user.id) == 0


def test_a_remember_token_works_until_logout_and_never_after(app: Flask, make_user: MakeUser) -> None:
    user = make_user()
    client = app.test_client()
    login(client, user, remember=True)
    token = client.get_cookie("remember_token")
    assert token is not None
    alone = app.test_client()
    alone.set_cookie("remember_token", token.value)
    assert is_logged_in(alone)  # the control: the token alone logs in while its login lives
    assert client.post("/account/logout").status_code == 302
    later = app.test_client()
    later.set_cookie("remember_token", token.value)
    assert not is_logged_in(later)


def test_log_out_everywhere_ends_every_device(app: Flask, make_user: MakeUser) -> None:
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user, remember=True)
    login(laptop, user)
    page = laptop.get("/account/security").get_data(as_text=True)
    assert "Chrome on Android" in page
    assert "(this device)" in page
    response = laptop.post("/account/security/logout-everywhere")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert not is_logged_in(laptop)
    assert not is_logged_in(phone)
    with app.app_context():
        open_logins = db.session.scalar(
            select(func.count())
            .select_from(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        )
    assert open_logins == 0


def test_logging_out_one_device_keeps_the_others(app: Flask, make_user: MakeUser) -> None:
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    laptop.post("/account/logout")
    assert not is_logged_in(laptop)
    assert is_logged_in(phone)


def test_a_login_key_of_another_account_is_refused(app: Flask, make_user: MakeUser) -> None:
    mine, theirs = make_user(), make_user()
    client = app.test_client()
    login(client, mine)
    with client.session_transaction() as session:
        _, _, key = session["_user_id"].partition(":")
        session["_user_id"] = f"{theirs.id}:{key}"
    assert not is_logged_in(client)


def test_api_tokens_are_listed_and_revoked_one_by_one(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    user = make_user()
    first = auth.token(user.email)
    second = auth.token(user.email)
    bearer = {"Authorization": f"Bearer {second}"}
    listed = client.get("/api/v1/account/tokens", headers=bearer).get_json()["tokens"]
    assert len(listed) == 2
    revoked = client.delete(f"/api/v1/account/tokens/{listed[1]['id']}", headers=bearer)  # the older: `first`
    assert revoked.status_code == 204
    assert (
        client.get("/api/v1/account/tokens", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    )
    assert len(client.get("/api/v1/account/tokens", headers=bearer).get_json()["tokens"]) == 1


def test_another_accounts_token_cannot_be_revoked(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    mine, theirs = make_user(), make_user()
    my_bearer = {"Authorization": f"Bearer {auth.token(mine.email)}"}
    their_bearer = {"Authorization": f"Bearer {auth.token(theirs.email)}"}
    their_id = client.get("/api/v1/account/tokens", headers=their_bearer).get_json()["tokens"][0]["id"]
    response = client.delete(f"/api/v1/account/tokens/{their_id}", headers=my_bearer)
    assert response.status_code == 404
    assert response.get_json()["error"]["field"] == "token_id"
    assert client.get("/api/v1/account/tokens", headers=their_bearer).status_code == 200


def test_the_security_page_revokes_a_token(app: Flask, make_user: MakeUser, auth: AuthActions) -> None:
    user = make_user()
    token = auth.token(user.email)
    browser = app.test_client()
    login(browser, user)
    listed = browser.get("/account/security").get_data(as_text=True)
    assert "Revoke" in listed
    api = app.test_client()
    token_id = api.get("/api/v1/account/tokens", headers={"Authorization": f"Bearer {token}"}).get_json()[
        "tokens"
    ][0]["id"]
    assert browser.post(f"/account/security/tokens/{token_id}/revoke").status_code == 302
    assert api.get("/api/v1/account/tokens", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_officials_land_on_their_desk_and_residents_on_the_map(app: Flask, make_user: MakeUser) -> None:
    """Found from outside: an official who logged in landed on the public map, not the staff desk. A
    page the login was asked for still comes first."""
    form = {"password": "correct-horse-battery"}
    landings = []
    for role, query in (("official", ""), ("admin", ""), ("resident", ""), ("official", "?next=/issues/new")):
        client = app.test_client()
        user = make_user(role=role)
        response = client.post(f"/account/login{query}", data={**form, "email": user.email})
        landings.append(response.headers["Location"])

    assert landings == ["/staff/", "/staff/", "/", "/issues/new"]


def next_of(location: str) -> str:
    """Where the login page leads after logging in, from its address."""
    parts = urlsplit(location)
    assert parts.path == "/account/login"
    return parse_qs(parts.query)["next"][0]


def test_a_form_sent_after_the_login_ended_leads_back_to_its_page(app: Flask, make_issue: MakeIssue) -> None:
    """Found from outside: a pledge sent from a tab whose login had ended went to the login page with
    the form's POST-only address as `next`, so logging in ended on a 405 page and the pledge was lost."""
    client = app.test_client()
    sent = client.post(
        "/groups/1/pledge", data={"amount": "5.00"}, headers={"Referer": "http://localhost/groups/1?x=1"}
    )
    assert sent.status_code == 302
    assert next_of(sent.headers["Location"]) == "/groups/1?x=1"
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Your login had ended, so nothing was sent: log in, then send it again." in page
    # Another site's page is not where a login leads; a page asked for (GET) is, with its query.
    elsewhere = client.post("/groups/1/pledge", headers={"Referer": "https://evil.example/groups/1"})
    assert next_of(elsewhere.headers["Location"]) == "/"
    # Nor an address that is no page: a form's error page shown at its POST-only address (found from
    # outside: logging in led back there, to a 405), or one that does not exist.
    odd = ("http://[oops/groups/1", "http://localhost/groups/1\x00", "http://localhost/" + "9" * 5000)
    for referer in ("http://localhost/groups/1/pledge", "http://localhost/no/such/page", *odd):
        again = client.post("/groups/1/pledge", headers={"Referer": referer})
        assert next_of(again.headers["Location"]) == "/", referer
    asked = client.get("/account?tab=data")
    assert next_of(asked.headers["Location"]) == "/account?tab=data"
    issue = make_issue()
    liked = client.post(
        f"/issues/{issue.id}/like", headers={"Referer": f"http://localhost/issues/{issue.id}"}
    )
    assert next_of(liked.headers["Location"]) == f"/issues/{issue.id}"


def expire_logins(app: Flask, user: User, hours_ago: int) -> None:
    """Move the account's logins' ends into the past, as if their lifetime had gone by."""
    with app.app_context():
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id)
            .values(expires_at=utcnow() - timedelta(hours=hours_ago))
        )
        db.session.commit()


def test_a_remember_token_ends_with_its_lifetime(app: Flask, make_user: MakeUser) -> None:
    """Found from outside: the remember cookie held no time, and its login never ended on the server."""
    user = make_user()
    client = app.test_client()
    login(client, user, remember=True)
    token = client.get_cookie("remember_token")
    assert token is not None
    with app.app_context():
        login_row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        lifetime = login_row.expires_at - login_row.created_at
    assert lifetime == app.config["REMEMBER_COOKIE_DURATION"]
    expire_logins(app, user, hours_ago=1)
    later = app.test_client()
    later.set_cookie("remember_token", token.value)
    assert not is_logged_in(later)
    assert not is_logged_in(client)


def test_a_plain_login_ends_after_its_working_day(app: Flask, make_user: MakeUser) -> None:
    user = make_user()
    client = app.test_client()
    login(client, user)
    with app.app_context():
        login_row = db.session.scalars(select(LoginSession).where(LoginSession.user_id == user.id)).one()
        assert login_row.expires_at - login_row.created_at == app.config["LOGIN_LIFETIME"]
    assert is_logged_in(client)
    expire_logins(app, user, hours_ago=1)
    assert not is_logged_in(client)


def test_ended_logins_are_neither_listed_nor_counted(app: Flask, make_user: MakeUser) -> None:
    """Found from outside: logins left open piled up in the list and in "logged out on 10 other devices"."""
    user = make_user()
    for _ in range(3):
        login(app.test_client(), user)
    expire_logins(app, user, hours_ago=1)
    laptop = app.test_client()
    login(laptop, user)
    page = laptop.get("/account/security").get_data(as_text=True)
    assert page.count("Chrome on Android") == 1
    response = laptop.post("/account/security/logout-everywhere", follow_redirects=True)
    assert "on every device (1)" in response.get_data(as_text=True)


def test_logging_out_one_other_device_from_the_list(app: Flask, make_user: MakeUser) -> None:
    user, other = make_user(), make_user()
    phone, laptop, stranger = app.test_client(), app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    login(stranger, other)
    with app.app_context():
        phone_login, laptop_login = db.session.scalars(
            select(LoginSession.id).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
        ).all()
    page = laptop.get("/account/security").get_data(as_text=True)
    assert page.count("Log out there") == 1  # not offered for this device
    stranger_said = stranger.post(f"/account/security/logins/{phone_login}/end", follow_redirects=True)
    assert "There is no such login on your account." in stranger_said.get_data(as_text=True)
    assert is_logged_in(phone)  # another account's login is not the stranger's to end
    # Found from outside: ending this device's own login there called it "that device".
    own = laptop.post(f"/account/security/logins/{laptop_login}/end", follow_redirects=True)
    assert "That is the device you are using: log out of it with Log out." in own.get_data(as_text=True)
    assert is_logged_in(laptop)
    response = laptop.post(f"/account/security/logins/{phone_login}/end", follow_redirects=True)
    assert "That device is logged out" in response.get_data(as_text=True)
    assert not is_logged_in(phone)
    assert is_logged_in(laptop)
    again = laptop.post(f"/account/security/logins/{phone_login}/end", follow_redirects=True)
    assert "That login has already ended." in again.get_data(as_text=True)


def test_log_out_after_the_login_ended_elsewhere_just_logs_out(app: Flask, make_user: MakeUser) -> None:
    """Found from outside: "Log out" on a phone whose login had ended asked to log in, then send it again."""
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user)
    login(laptop, user)
    laptop.post("/account/security/logout-everywhere")
    response = phone.post("/account/logout", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert response.request.path == "/"
    assert "You are logged out." in text
    assert "log in, then send it again" not in text
