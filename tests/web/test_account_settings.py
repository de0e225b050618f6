"""Account settings: the password change asks the current one and ends the other logins; an email change
is confirmed by the new address and told to the old one, and answers the same for a used address; the
display name and the "hide my name" default, which the report form and the API follow."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, User
from app.services.accounts import email_change, passwords
from tests.factories import DEFAULT_PASSWORD
from tests.mailbox import Outbox, link_in, mails_to, text_of
from tests.testcity import OLD_TOWN

MakeUser = Callable[..., User]
CHANGE_LINK = "/account/email/confirm/"
NEW_LINK_SUBJECT = "Confirm your new address for Commonfix"


def logged_in_client(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    response = client.post("/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    client.get("/account/security")  # shows (and so clears) the "Logged in as" message
    return client


def logged_in(client: FlaskClient) -> bool:
    return client.get("/account/security").status_code == 200


def reload(app: Flask, user_id: int) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        found = db.session.get(User, user_id)
        assert found is not None
        return found


def audit_actions(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == user_id).order_by(AuditEntry.id)
            )
        )


def flashed(client: FlaskClient) -> str:
    found = re.search(
        r'<p class="flash flash--\w+">(.*?)</p>', client.get("/account/settings").get_data(as_text=True)
    )
    assert found is not None
    return found.group(1)


def test_settings_are_reached_from_my_commonfix(app: Flask, make_user: MakeUser) -> None:
    client = logged_in_client(app, make_user(display_name="Ana"))
    home = client.get("/account").get_data(as_text=True)
    assert 'href="/account/settings"' in home
    page = client.get("/account/settings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="Ana"' in text
    assert "Hide my name on new reports" in text
    assert app.test_client().get("/account/settings").status_code == 302  # log in first


def test_changing_the_password_asks_the_current_one_and_ends_the_other_logins(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user()
    phone, laptop = logged_in_client(app, user), logged_in_client(app, user)
    before = reload(app, user.id).password_hash
    wrong = laptop.post(
        "/account/settings/password",
        data={
            "current_password": "not-my-password",
            "new_password": "new-secret-1",
            "confirm": "new-secret-1",
        },
    )
    assert wrong.status_code == 422
    assert "Your current password is wrong: nothing changed." in wrong.get_data(as_text=True)
    assert reload(app, user.id).password_hash == before
    assert logged_in(phone)

    done = laptop.post(
        "/account/settings/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": "new-secret-1",
            "confirm": "new-secret-1",
        },
    )
    assert done.status_code == 302
    assert "logged out on 1 other device" in flashed(laptop)
    assert logged_in(laptop)
    assert not logged_in(phone)
    fresh = app.test_client()
    assert (
        fresh.post("/account/login", data={"email": user.email, "password": "new-secret-1"}).status_code
        == 302
    )
    assert audit_actions(app, user.id).count("account.password_change") == 1
    assert len(mails_to(outbox, user.email, "Your Commonfix password was changed")) == 1


def api_token(app: Flask, email: str, password: str = DEFAULT_PASSWORD) -> dict[str, str]:
    made = app.test_client().post("/api/v1/tokens", json={"email": email, "password": password})
    assert made.status_code == 201
    return {"Authorization": f"Bearer {made.get_json()['token']}"}


def test_a_password_change_offers_to_stop_the_api_tokens(app: Flask, make_user: MakeUser) -> None:
    user = make_user()
    client = logged_in_client(app, user)
    assert "Also stop my API tokens" not in client.get("/account/settings").get_data(as_text=True)
    kept, api = api_token(app, user.email), app.test_client()
    page = client.get("/account/settings").get_data(as_text=True)
    assert "Your account has 1 API token." in page
    box = re.search(r'<input[^>]*name="revoke_tokens"[^>]*>', page)
    assert box is not None
    assert " checked" in box.group(0)  # ticked at first
    change = {"current_password": DEFAULT_PASSWORD, "new_password": "new-secret-1", "confirm": "new-secret-1"}
    assert client.post("/account/settings/password", data=change).status_code == 302  # unticked: kept
    assert "stopped" not in flashed(client)
    assert api.get("/api/v1/account", headers=kept).status_code == 200
    second = api_token(app, user.email, "new-secret-1")
    again = {"current_password": "new-secret-1", "new_password": "new-secret-2", "confirm": "new-secret-2"}
    assert client.post("/account/settings/password", data={**again, "revoke_tokens": "y"}).status_code == 302
    assert "stopped 2 API tokens" in flashed(client)
    for token in (kept, second):
        assert api.get("/api/v1/account", headers=token).status_code == 401
    assert "Also stop my API tokens" not in client.get("/account/settings").get_data(as_text=True)


def test_an_email_change_waits_for_the_new_address_and_tells_the_old_one(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user(email="old@example.org")
    client = logged_in_client(app, user)
    asked = client.post(
        "/account/settings/email", data={"new_email": " New@Example.org", "password": DEFAULT_PASSWORD}
    )
    assert asked.status_code == 302
    assert reload(app, user.id).email == "old@example.org"  # nothing changes until the link is opened
    warning = mails_to(outbox, "old@example.org", "Your Commonfix address is about to change")
    assert len(warning) == 1
    assert "new@example.org" in text_of(warning[0])
    link = link_in(mails_to(outbox, "new@example.org", NEW_LINK_SUBJECT)[0], CHANGE_LINK)

    page = app.test_client().get(link)  # opening it (a mail scanner, say) changes nothing
    assert page.status_code == 200
    assert "new@example.org" in page.get_data(as_text=True)
    assert reload(app, user.id).email == "old@example.org"
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == "/account/settings"
    changed = reload(app, user.id)
    assert changed.email == "new@example.org"
    assert changed.email_confirmed
    told = mails_to(outbox, "old@example.org", "Your Commonfix address was changed")
    assert len(told) == 1
    assert "new@example.org" in text_of(told[0])
    assert (
        app.test_client()
        .post("/account/login", data={"email": "new@example.org", "password": DEFAULT_PASSWORD})
        .status_code
        == 302
    )

    again = client.post(link)  # the link was used: the account's address is no longer the one it names
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    assert reload(app, user.id).email == "new@example.org"
    actions = audit_actions(app, user.id)
    assert actions.count("account.email_change_request") == 1
    assert actions.count("account.email_change") == 1


def test_an_email_change_to_a_used_address_answers_the_same(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user(email="mine@example.org")
    make_user(email="taken@example.org")
    client = logged_in_client(app, user)
    answers = {}
    for address in ("taken@example.org", "free@example.org"):
        response = client.post(
            "/account/settings/email", data={"new_email": address, "password": DEFAULT_PASSWORD}
        )
        answers[address] = (
            response.status_code,
            response.headers["Location"],
            flashed(client).replace(address, "X"),
        )
    assert answers["taken@example.org"] == answers["free@example.org"]
    # The owner of the used address is told, and gets no link; the asker's address stays.
    note = mails_to(outbox, "taken@example.org")
    assert [m["Subject"] for m in note] == ["Someone tried to move a Commonfix account to your address"]
    assert CHANGE_LINK not in text_of(note[0])
    assert len(mails_to(outbox, "free@example.org", NEW_LINK_SUBJECT)) == 1
    assert len(mails_to(outbox, "mine@example.org", "Your Commonfix address is about to change")) == 2
    assert reload(app, user.id).email == "mine@example.org"


@pytest.mark.parametrize(
    ("form", "says"),
    [
        ({"new_email": "other@example.org", "password": "wrong-password"}, "Your current password is wrong"),
        ({"new_email": "not an address", "password": DEFAULT_PASSWORD}, "Email must be a valid address"),
        ({"new_email": "me@example.org", "password": DEFAULT_PASSWORD}, "That is already your address."),
        ({"new_email": "", "password": DEFAULT_PASSWORD}, "Email is required."),
    ],
)
def test_a_bad_email_change_is_refused_naming_the_field(
    app: Flask, make_user: MakeUser, outbox: Outbox, form: dict[str, str], says: str
) -> None:
    user = make_user(email="me@example.org")
    client = logged_in_client(app, user)
    response = client.post("/account/settings/email", data=form)
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert outbox() == []
    assert "account.email_change_request" not in audit_actions(app, user.id)


@pytest.mark.parametrize("kind", ["expired", "tampered", "password changed since", "address taken since"])
def test_bad_email_change_links_change_nothing(
    app: Flask, make_user: MakeUser, outbox: Outbox, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user(email="me@example.org")
    client = logged_in_client(app, user)
    asked = client.post(
        "/account/settings/email", data={"new_email": "next@example.org", "password": DEFAULT_PASSWORD}
    )
    assert asked.status_code == 302
    link = link_in(mails_to(outbox, "next@example.org", NEW_LINK_SUBJECT)[0], CHANGE_LINK)
    status, says = 400, "not valid"
    if kind == "expired":
        signed_at = int(time.time()) - 2 * 24 * 3600
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at)
        with app.app_context():
            found = db.session.get(User, user.id)
            assert found is not None
            payload = {
                "u": user.id,
                "o": user.email,
                "n": "next@example.org",
                "p": passwords.fingerprint(found),
            }
            link = CHANGE_LINK + URLSafeTimedSerializer(
                app.config["SECRET_KEY"], salt=email_change.SALT
            ).dumps(payload)
        monkeypatch.undo()
        status, says = 410, "expired"
    elif kind == "tampered":
        link = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    elif kind == "password changed since":
        client.post(
            "/account/settings/password",
            data={
                "current_password": DEFAULT_PASSWORD,
                "new_password": "new-secret-1",
                "confirm": "new-secret-1",
            },
        )
        says = "password changed"
    else:
        make_user(email="next@example.org")
        status, says = 409, "Another account uses this address now"
    response = client.post(link)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    assert reload(app, user.id).email == "me@example.org"
    assert "account.email_change" not in audit_actions(app, user.id)
    assert mails_to(outbox, "me@example.org", "Your Commonfix address was changed") == []


def test_the_name_and_the_hide_my_name_default(app: Flask, make_user: MakeUser, auth) -> None:  # type: ignore[no-untyped-def]
    user = make_user(display_name="Old Name")
    client = logged_in_client(app, user)
    report_form = client.get("/issues/new").get_data(as_text=True)
    assert re.search(r'<input id="hide_name" name="hide_name" type="checkbox" value="y">', report_form)

    blank = client.post("/account/settings/profile", data={"display_name": "   "})
    assert blank.status_code == 422
    assert "Display name is required." in blank.get_data(as_text=True)
    saved = client.post(
        "/account/settings/profile", data={"display_name": "  New   Name ", "hide_name_default": "y"}
    )
    assert saved.status_code == 302
    changed = reload(app, user.id)
    assert (changed.display_name, changed.hide_name_default) == ("New Name", True)
    assert audit_actions(app, user.id).count("account.profile") == 1
    assert (
        client.post(
            "/account/settings/profile", data={"display_name": "New Name", "hide_name_default": "y"}
        ).status_code
        == 302
    )
    assert audit_actions(app, user.id).count("account.profile") == 1  # nothing changed, nothing audited

    report_form = client.get("/issues/new").get_data(as_text=True)
    assert re.search(
        r'<input checked id="hide_name" name="hide_name" type="checkbox" value="y">', report_form
    )
    bearer = {"Authorization": f"Bearer {auth.token(user.email)}"}
    report = {
        "lat": OLD_TOWN.lat,
        "lon": OLD_TOWN.lon,
        "category": "pothole",
        "title": "Hole",
        "description": "Deep.",
    }
    api = app.test_client()  # a token, not the cookie (which would ask for a CSRF token)
    by_default = api.post("/api/v1/issues", json=report, headers=bearer)
    said_no = api.post("/api/v1/issues", json={**report, "hide_name": False}, headers=bearer)
    assert by_default.status_code == said_no.status_code == 201
    with app.app_context():
        hidden = dict(db.session.execute(select(Issue.id, Issue.hide_name)).tuples().all())
    assert hidden[by_default.get_json()["id"]] is True
    assert hidden[said_no.get_json()["id"]] is False


def test_deleting_the_account_removes_its_addresses_from_the_audit_log(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user(email="before@example.org")
    client = logged_in_client(app, user)
    client.post(
        "/account/settings/email", data={"new_email": "after@example.org", "password": DEFAULT_PASSWORD}
    )
    assert (
        client.post(
            link_in(mails_to(outbox, "after@example.org", NEW_LINK_SUBJECT)[0], CHANGE_LINK)
        ).status_code
        == 302
    )
    with app.app_context():
        details = db.session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "account.email_change")
        ).one()
    assert details == {"email": "after@example.org", "previous_email": "before@example.org"}  # the control
    assert client.post("/account/delete", data={"password": DEFAULT_PASSWORD}).status_code == 302
    with app.app_context():
        kept = db.session.scalars(
            select(AuditEntry.details).where(
                AuditEntry.action.in_(["account.email_change", "account.email_change_request"])
            )
        ).all()
    assert sorted(map(str, kept)) == sorted(
        map(str, [{"email": "(deleted)", "previous_email": "(deleted)"}, {"email": "(deleted)"}])
    )


def test_a_blocked_account_cannot_change_its_public_name(app: Flask, make_user: MakeUser, auth) -> None:  # type: ignore[no-untyped-def]
    """Found from outside: a blocked account renamed itself, and the new name showed on its reports."""
    user = make_user(display_name="Old Name")
    client = logged_in_client(app, user)
    with app.app_context():
        db.session.get(User, user.id).is_blocked = True  # type: ignore[union-attr]
        db.session.commit()

    page = client.post(
        "/account/settings/profile", data={"display_name": "Abusive words", "hide_name_default": "y"}
    )
    api = app.test_client().patch(
        "/api/v1/account",
        json={"display_name": "Abusive words"},
        headers={"Authorization": f"Bearer {auth.token(user.email)}"},
    )

    assert "A blocked account cannot change its display name." in page.get_data(as_text=True)
    assert api.status_code == 403
    assert api.get_json()["error"]["field"] == "display_name"
    assert reload(app, user.id).display_name == "Old Name"
    assert "account.profile" not in audit_actions(app, user.id)
