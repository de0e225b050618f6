"""An address registered twice before it was confirmed: its owner, opening the second link, chooses the
password, every earlier login and API token ends, and reports made before wait for the owner to publish
or delete them (found from outside: someone who registered another person's address first kept the
account, and their held report was published under it, once the owner confirmed)."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Issue, Photo, User
from tests.images import jpeg_with_gps
from tests.mailbox import Outbox, link_in, mails_to, text_of
from tests.testcity import OLD_TOWN

ADDRESS = "victim@example.org"
CONFIRM = "/account/confirm/"
ATTACKER_PASSWORD = "attacker secret pass 1"
OWNER_PASSWORD = "owner chosen words 2"
SUBJECT = "Confirm your email address for Commonfix"


def register(client: FlaskClient, name: str, password: str) -> None:
    form = {"email": ADDRESS, "display_name": name, "password": password, "confirm": password}
    assert client.post("/account/register", data=form).status_code == 200


def logs_in(app: Flask, password: str) -> bool:
    return (
        app.test_client().post("/account/login", data={"email": ADDRESS, "password": password}).status_code
        == 302
    )


def planted_report(app: Flask, client: FlaskClient) -> int:
    """The first registrant, logged in but unconfirmed, reports a problem with a photo: it is held."""
    assert (
        client.post("/account/login", data={"email": ADDRESS, "password": ATTACKER_PASSWORD}).status_code
        == 302
    )
    sent = client.post(
        "/issues/new",
        data={
            "lat": str(OLD_TOWN.lat),
            "lon": str(OLD_TOWN.lon),
            "category": "pothole",
            "title": "Planted report about a neighbour",
            "description": "Written by whoever registered first.",
            "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        issue = db.session.scalars(select(Issue).order_by(Issue.id.desc())).first()
        assert issue is not None
        assert issue.awaiting_confirmation
        return issue.id


def second_link(outbox: Outbox) -> str:
    mails = mails_to(outbox, ADDRESS, SUBJECT)
    assert len(mails) == 2
    assert "you choose the account's password" in text_of(mails[1])
    return link_in(mails[1], CONFIRM)


def test_the_owner_who_registers_second_takes_the_account_back(app: Flask, outbox: Outbox) -> None:
    attacker = app.test_client()
    register(attacker, "Vera", ATTACKER_PASSWORD)
    held = planted_report(app, attacker)
    token = app.test_client().post("/api/v1/tokens", json={"email": ADDRESS, "password": ATTACKER_PASSWORD})
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    owner = app.test_client()
    register(owner, "Sam", OWNER_PASSWORD)
    link = second_link(outbox)

    page = owner.get(link).get_data(as_text=True)
    assert "was registered twice before it was confirmed" in page
    assert 'autocomplete="new-password"' in page
    # Without a password nothing is confirmed.
    assert owner.post(link, data={"password": "", "confirm": ""}).status_code == 422
    with app.app_context():
        assert not db.session.scalars(select(User).where(User.email == ADDRESS)).one().email_confirmed

    done = owner.post(
        link, data={"display_name": "Sam", "password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD}
    )
    assert done.status_code == 302
    assert done.headers["Location"] == "/account#reports"
    # The owner holds the only password; the first registrant's session and token have ended.
    assert logs_in(app, OWNER_PASSWORD)
    assert not logs_in(app, ATTACKER_PASSWORD)
    assert attacker.get("/account/security").status_code == 302
    assert app.test_client().get("/api/v1/account", headers=bearer).status_code == 401
    # The held report is not published: it waits for the owner.
    assert app.test_client().get(f"/issues/{held}").status_code == 404
    mine = owner.get("/account").get_data(as_text=True)
    assert "publish it if you made it, or delete it, under My reports" in mine
    assert "Not published: publish it or delete it on its page" in mine
    own_page = owner.get(f"/issues/{held}").get_data(as_text=True)
    assert 'data-testid="held-waits"' in own_page
    with app.app_context():
        photo = db.session.scalars(select(Photo.filename).where(Photo.issue_id == held)).one()
        user_id = db.session.scalars(select(User.id).where(User.email == ADDRESS)).one()
        confirm_audit = db.session.scalars(
            select(AuditEntry.details).where(
                AuditEntry.action == "account.confirm_email", AuditEntry.actor_id == user_id
            )
        ).one()
    assert confirm_audit["password_chosen"] is True
    assert confirm_audit["tokens_revoked"] == 1
    stored = Path(app.config["UPLOAD_FOLDER"]) / photo
    assert stored.is_file()

    # Someone else cannot touch it; its owner deletes it, photo and all.
    stranger = app.test_client()
    assert stranger.post(f"/issues/{held}/held/discard").status_code == 302  # to the login page
    deleted = owner.post(f"/issues/{held}/held/discard")
    assert deleted.status_code == 302
    assert deleted.headers["Location"] == "/account#reports"
    with app.app_context():
        gone = db.session.get(Issue, held)
        assert gone is not None  # kept, emptied, so its id is never another report's
        assert (gone.title, gone.description, gone.reporter_id, gone.is_hidden) == (
            "Withdrawn by its reporter",
            "",
            None,
            True,
        )
        assert gone.withdrawn_at is not None
    assert not stored.exists()
    assert owner.post(f"/issues/{held}/held/discard").status_code == 404


def test_a_held_report_its_owner_made_is_published_by_them(app: Flask, outbox: Outbox) -> None:
    first = app.test_client()
    register(first, "Sam", ATTACKER_PASSWORD)
    held = planted_report(app, first)
    register(app.test_client(), "Sam", OWNER_PASSWORD)
    owner = app.test_client()
    assert (
        owner.post(
            second_link(outbox),
            data={"display_name": "Sam", "password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD},
        ).status_code
        == 302
    )

    published = owner.post(f"/issues/{held}/held/publish")
    assert published.status_code == 302
    assert app.test_client().get(f"/issues/{held}").status_code == 200
    # Once published, neither button works again.
    assert owner.post(f"/issues/{held}/held/publish").status_code == 302
    assert "does not wait for you" in owner.get(f"/issues/{held}").get_data(as_text=True)
    assert owner.post(f"/issues/{held}/held/discard").status_code == 302
    assert app.test_client().get(f"/issues/{held}").status_code == 200


def test_a_reset_of_an_unconfirmed_account_leaves_its_held_reports_to_their_owner(
    app: Flask, outbox: Outbox
) -> None:
    attacker = app.test_client()
    register(attacker, "Vera", ATTACKER_PASSWORD)
    held = planted_report(app, attacker)
    owner = app.test_client()
    assert owner.post("/account/password/forgot", data={"email": ADDRESS}).status_code == 200
    reset = link_in(
        mails_to(outbox, ADDRESS, "Reset your Commonfix password")[-1], "/account/password/reset/"
    )
    # The address is not confirmed: the page asks the name too (found from outside: the first
    # registrant's name stayed on the owner's account).
    page = owner.get(reset).get_data(as_text=True)
    assert 'value="Vera"' in page
    assert "may have been chosen by someone else" in page
    done = owner.post(
        reset, data={"display_name": "Sam Owner", "password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD}
    )
    assert done.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(User.display_name).where(User.email == ADDRESS)).one() == "Sam Owner"
    assert app.test_client().get(f"/issues/{held}").status_code == 404
    assert 'data-testid="held-waits"' in owner.get(f"/issues/{held}").get_data(as_text=True)


def test_the_first_link_still_publishes_and_warns_a_stranger(app: Flask, outbox: Outbox) -> None:
    first = app.test_client()
    register(first, "Sam", OWNER_PASSWORD)
    link = link_in(mails_to(outbox, ADDRESS, SUBJECT)[0], CONFIRM)
    page = first.get(link).get_data(as_text=True)
    assert "the account named “Sam” was registered with it on" in page
    assert "If you did not register, do not confirm" in page
    assert "Choose your password" not in page


def test_every_link_asks_once_the_address_was_registered_twice(app: Flask, outbox: Outbox) -> None:
    """Found from outside: after the owner's second registration, the first mail's link, or a new plain
    link the first registrant asked for, confirmed the first registrant's account (password, name,
    logins and held report)."""
    attacker = app.test_client()
    register(attacker, "Mallory Smith", ATTACKER_PASSWORD)
    held = planted_report(app, attacker)
    first_link = link_in(mails_to(outbox, ADDRESS, SUBJECT)[0], CONFIRM)
    register(app.test_client(), "Sam", OWNER_PASSWORD)
    # The first registrant, logged in, asks for a new link: it is the asking kind too.
    assert attacker.post("/account/confirm/resend").status_code == 302
    resent = link_in(mails_to(outbox, ADDRESS, SUBJECT)[-1], CONFIRM)
    assert "you choose the account's password" in text_of(mails_to(outbox, ADDRESS, SUBJECT)[-1])

    owner = app.test_client()
    for link in (first_link, resent):
        page = owner.get(link).get_data(as_text=True)
        assert "was registered twice before it was confirmed" in page
        assert 'value="Mallory Smith"' in page  # the name to change, said to be perhaps someone else's
        assert owner.post(link, data={}).status_code == 422
    done = owner.post(
        first_link, data={"display_name": "Sam Owner", "password": OWNER_PASSWORD, "confirm": OWNER_PASSWORD}
    )
    assert done.status_code == 302
    assert logs_in(app, OWNER_PASSWORD)
    assert not logs_in(app, ATTACKER_PASSWORD)
    assert attacker.get("/account/security").status_code == 302
    assert app.test_client().get(f"/issues/{held}").status_code == 404
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == ADDRESS)).one()
        assert user.display_name == "Sam Owner"
