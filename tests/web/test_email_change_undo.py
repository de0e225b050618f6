"""Undoing an address change from the old address: the notice's link puts the old address back and shuts
out whoever changed it (logins, API tokens, password), once; bad, used and stale links change nothing.
Both engines."""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiToken, AuditEntry, User
from tests.factories import DEFAULT_PASSWORD, password_hash
from tests.mailbox import Outbox, link_in, mails_to, text_of

MakeUser = Callable[..., User]
CHANGE_LINK = "/account/email/confirm/"
UNDO_LINK = "/account/email/undo/"
CHANGED = "Your Commonfix address was changed"


def log_in(app: Flask, email: str, password: str = DEFAULT_PASSWORD) -> FlaskClient:
    client = app.test_client()
    response = client.post("/account/login", data={"email": email, "password": password})
    assert response.status_code == 302, "the login failed"
    return client


def can_log_in(app: Flask, email: str, password: str = DEFAULT_PASSWORD) -> bool:
    response = app.test_client().post("/account/login", data={"email": email, "password": password})
    return response.status_code == 302


def logged_in(client: FlaskClient) -> bool:
    return client.get("/account/security").status_code == 200


def account(app: Flask, user_id: int) -> User:
    with app.app_context():
        db.session().expire_on_commit = False
        found = db.session.get(User, user_id)
        assert found is not None
        return found


def taken_over(app: Flask, user: User, outbox: Outbox, new_email: str = "thief@example.net") -> FlaskClient:
    """Someone who knows the password moves the account to their address; returns their logged-in client."""
    thief = log_in(app, user.email)
    asked = thief.post("/account/settings/email", data={"new_email": new_email, "password": DEFAULT_PASSWORD})
    assert asked.status_code == 302
    assert thief.post(link_in(mails_to(outbox, new_email)[0], CHANGE_LINK)).status_code == 302
    assert account(app, user.id).email == new_email
    return thief


def undo_link(outbox: Outbox, old_email: str) -> str:
    told = mails_to(outbox, old_email, CHANGED)
    assert len(told) == 1
    assert "within 7 days to put this address back" in text_of(told[0])
    return link_in(told[0], UNDO_LINK)


def test_the_old_address_takes_the_account_back(app: Flask, make_user: MakeUser, outbox: Outbox) -> None:
    user = make_user(email="owner@example.org")
    owner_elsewhere = log_in(app, "owner@example.org")
    thief = taken_over(app, user, outbox)
    token = app.test_client().post(
        "/api/v1/tokens", json={"email": "thief@example.net", "password": DEFAULT_PASSWORD}
    )
    assert token.status_code in (200, 201), token.get_json()
    link = undo_link(outbox, "owner@example.org")

    page = app.test_client().get(link)  # opening it (a mail scanner, say) changes nothing
    assert page.status_code == 200
    assert "Put owner@example.org back" in page.get_data(as_text=True)
    assert account(app, user.id).email == "thief@example.net"

    done = app.test_client().post(link)
    assert done.status_code == 200
    said = html.unescape(done.get_data(as_text=True))
    assert "Your account's address is <strong>owner@example.org</strong> again." in said
    assert "2 logins ended" in said
    assert "1 API token stopped working" in said
    back = account(app, user.id)
    assert back.email == "owner@example.org"
    assert back.email_confirmed
    assert not logged_in(thief)
    assert not logged_in(owner_elsewhere)
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id))
            == 0
        )
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user.id)).all()
    assert actions.count("account.email_change_undo") == 1
    assert not can_log_in(app, "owner@example.org")  # the password the thief knew is gone
    assert not can_log_in(app, "thief@example.net")
    # Its own words: the password was taken away, so not "ignore this mail: your password stays as it
    # is" of a reset asked for (found from outside).
    assert mails_to(outbox, "owner@example.org", "Reset your Commonfix password") == []
    reset = mails_to(outbox, "owner@example.org", "Choose a new Commonfix password")
    assert len(reset) == 1
    words = " ".join(reset[0].get_content().split())
    assert "the password whoever changed it may have known no longer works" in words
    assert "Until you do, nobody can log in to your account." in words
    assert "stays as it is" not in words
    chosen = app.test_client().post(
        link_in(reset[0], "/account/password/reset/"),
        data={"password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert chosen.status_code == 302
    assert can_log_in(app, "owner@example.org", "a brand new passphrase")

    again = app.test_client().post(link)
    assert again.status_code == 400
    assert "used already" in again.get_data(as_text=True)
    assert account(app, user.id).email == "owner@example.org"


def test_an_undo_when_another_account_took_the_old_address_changes_nothing(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user(email="first@example.org")
    taken_over(app, user, outbox)
    link = undo_link(outbox, "first@example.org")
    make_user(email="first@example.org")  # the freed address was registered again meanwhile
    refused = app.test_client().post(link)
    assert refused.status_code == 409
    assert "Another account uses first@example.org now: nothing changed." in refused.get_data(as_text=True)
    assert account(app, user.id).email == "thief@example.net"
    assert can_log_in(app, "thief@example.net")


def test_the_address_does_not_change_again_while_the_owners_undo_link_works(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    """Found from outside: whoever knew the password changed the address twice; the second notice went
    to their own first address and the owner's undo link, for an address the account no longer had,
    answered "changed again". A second change now waits until the first can no longer be undone."""
    user = make_user(email="a@example.org")
    thief = taken_over(app, user, outbox, new_email="b@example.org")
    link = undo_link(outbox, "a@example.org")

    again = thief.post(
        "/account/settings/email", data={"new_email": "c@example.org", "password": DEFAULT_PASSWORD}
    )

    assert again.status_code == 422  # the settings form, shown again with the refusal
    said = html.unescape(again.get_data(as_text=True))
    assert "Your address was changed on" in said
    assert "For a week the address before it can undo that change, so it can change again from" in said
    assert mails_to(outbox, "c@example.org") == []
    assert account(app, user.id).email == "b@example.org"
    assert app.test_client().post(link).status_code == 200  # the owner's link still works
    assert account(app, user.id).email == "a@example.org"
    # Once undone, the owner (with a new password) may change the address at once.
    with app.app_context():
        owner = db.session.get(User, user.id)
        assert owner is not None
        owner.password_hash = password_hash(DEFAULT_PASSWORD)
        db.session.commit()
    moved = log_in(app, "a@example.org").post(
        "/account/settings/email", data={"new_email": "d@example.org", "password": DEFAULT_PASSWORD}
    )
    assert moved.status_code == 302


@pytest.mark.parametrize("token", ["nonsense", "a" * 600, "eyJ1IjoxfQ.bad.sig", "%00", "..%2f..%2fetc"])
def test_bad_undo_links_change_nothing(app: Flask, make_user: MakeUser, token: str) -> None:
    user = make_user(email="still@example.org")
    for response in (
        app.test_client().get(UNDO_LINK + token),
        app.test_client().post(UNDO_LINK + token),
    ):
        assert 400 <= response.status_code < 500
    assert account(app, user.id).email == "still@example.org"
    assert can_log_in(app, "still@example.org")


def test_the_page_after_undoing_says_it_is_done_and_points_to_the_mail_not_a_new_link(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    # Found from outside: after undoing, the page still said "Put your old address back", told of
    # "0 API tokens", and its one button asked for another password link while one was on its way.
    user = make_user(email="owner@example.org")
    taken_over(app, user, outbox)
    done = app.test_client().post(undo_link(outbox, "owner@example.org"))
    assert done.status_code == 200
    said = " ".join(html.unescape(done.get_data(as_text=True)).split())
    assert "<h1>Your old address is back</h1>" in said
    assert "0 API tokens" not in said
    assert "logged out on every device (1 login ended)." in said
    assert "Ask for a new link" not in said
    assert "Open the mail we sent to <strong>owner@example.org</strong>" in said
    assert 'href="/account/password/forgot"' in said  # for when that link expires
