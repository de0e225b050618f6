"""The copies of mail kept for an account: in its download, and gone with it, at every address it had.

Found from outside: after an address change (and a change asked for and never confirmed), deleting
the account left the outbox's copies of mail to the earlier addresses, a status mail among them
(which showed what the person followed), and the download left out every copy while saying it held
everything. Mail to another account's address stays: it is that person's.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import OutgoingMail, User
from tests.factories import DEFAULT_PASSWORD
from tests.mailbox import Outbox, link_in, mails_to

MakeUser = Callable[..., User]
CHANGE_LINK = "/account/email/confirm/"


def log_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    logged_in = client.post("/account/login", data={"email": email, "password": DEFAULT_PASSWORD})
    assert logged_in.status_code == 302
    return client


def ask_change(client: FlaskClient, new_email: str) -> None:
    form = {"new_email": new_email, "password": DEFAULT_PASSWORD}
    asked = client.post("/account/settings/email", data=form)
    assert asked.status_code == 302


def kept_for(app: Flask) -> dict[str, list[str]]:
    """The outbox's copies: subjects by address."""
    with app.app_context():
        found: dict[str, list[str]] = {}
        for address, subject in db.session.execute(
            select(OutgoingMail.recipient, OutgoingMail.subject).order_by(OutgoingMail.id)
        ).tuples():
            found.setdefault(address, []).append(subject)
        return found


def moved_around(app: Flask, make_user: MakeUser, outbox: Outbox) -> tuple[FlaskClient, User]:
    """first@ asks for second@, for never@ (never confirmed) and for the address another account holds
    (its owner gets a note), then confirms second@ (no change is asked for again while the change can be
    undone); returns the logged-in client and the other."""
    make_user(email="first@example.org", display_name="Mover")
    other = make_user(email="other@example.org")
    client = log_in(app, "first@example.org")
    ask_change(client, "second@example.org")
    ask_change(client, "never@example.org")
    ask_change(client, "other@example.org")
    assert client.post(link_in(mails_to(outbox, "second@example.org")[0], CHANGE_LINK)).status_code == 302
    return client, other


def test_the_download_holds_the_mail_kept_for_every_address_the_account_had(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    client, _other = moved_around(app, make_user, outbox)
    response = client.post("/account/export")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        data = json.loads(archive.read("data.json"))
        readme = archive.read("README.txt").decode()
    mails = {(m["to"], m["subject"]) for m in data["mails"]}
    assert ("first@example.org", "Your Commonfix address is about to change") in mails
    assert ("first@example.org", "Your Commonfix address was changed") in mails
    assert ("second@example.org", "Confirm your new address for Commonfix") in mails
    assert ("never@example.org", "Confirm your new address for Commonfix") in mails
    assert not any(to == "other@example.org" for to, _ in mails)  # the other account's note is theirs
    confirm = next(m for m in data["mails"] if m["to"] == "never@example.org")
    assert "Hello Mover," in confirm["text"]
    # Whoever is logged in can download it: a live link would confirm an address without its mailbox.
    assert CHANGE_LINK not in confirm["text"]
    assert "[a private link, left out of this copy]" in confirm["text"]
    assert not any("/account/email/undo/" in m["text"] for m in data["mails"])
    assert confirm["queued_at"]
    assert "mails           the copies Commonfix keeps of the emails it sent you" in readme


def test_deleting_the_account_removes_its_mail_at_every_address_it_had(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    client, _other = moved_around(app, make_user, outbox)
    before = kept_for(app)
    everyone = {"first@example.org", "second@example.org", "never@example.org", "other@example.org"}
    assert everyone <= set(before)

    deleted = client.post("/account/delete", data={"password": DEFAULT_PASSWORD})
    assert deleted.status_code == 302

    after = kept_for(app)
    assert not {"first@example.org", "second@example.org", "never@example.org"} & set(after)
    assert after["other@example.org"] == before["other@example.org"]
    with app.app_context():
        assert all(b"Mover" not in message for message in db.session.scalars(select(OutgoingMail.message)))


def downloaded_mail(client: FlaskClient) -> list[dict[str, str]]:
    response = client.post("/account/export")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        mails: list[dict[str, str]] = json.loads(archive.read("data.json"))["mails"]
    return mails


def test_an_address_given_up_and_taken_by_another_account_splits_its_mail_by_who_held_it(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    """first@ moves to second@; someone registers first@. Found from outside: the newcomer's download
    held the mover's mail to first@ (their name, new address and undo link) and the mover's did not.
    Deleting the mover takes its own mail to first@ and leaves the newcomer's."""
    make_user(email="first@example.org", display_name="Mover")
    client = log_in(app, "first@example.org")
    ask_change(client, "second@example.org")
    assert client.post(link_in(mails_to(outbox, "second@example.org")[0], CHANGE_LINK)).status_code == 302
    make_user(email="first@example.org", display_name="Newcomer")
    asked = app.test_client().post("/account/password/forgot", data={"email": "first@example.org"})
    assert asked.status_code in (200, 302)
    newcomer = log_in(app, "first@example.org")

    theirs = {(m["to"], m["subject"]) for m in downloaded_mail(newcomer)}
    movers = {(m["to"], m["subject"]) for m in downloaded_mail(client)}

    assert ("first@example.org", "Your Commonfix address was changed") in movers
    assert not any("Mover" in m["text"] for m in downloaded_mail(newcomer))
    assert theirs == {("first@example.org", "Reset your Commonfix password")}
    assert client.post("/account/delete", data={"password": DEFAULT_PASSWORD}).status_code == 302
    assert kept_for(app)["first@example.org"] == ["Reset your Commonfix password"]
    assert "second@example.org" not in kept_for(app)


def test_a_key_followed_by_a_query_is_left_out_too(app: Flask, make_user: MakeUser, outbox: Outbox) -> None:
    """Found from outside: registering from the login page that a report form sent one to mailed a
    confirmation link ending "?next=/issues/new", and the download kept it whole: whoever downloaded it
    could confirm an address they did not own."""
    registered = app.test_client().post(
        "/account/register?next=/issues/new",
        data={
            "email": "someone@example.net",
            "display_name": "Someone",
            "password": "a long passphrase 9",
            "confirm": "a long passphrase 9",
        },
    )
    assert registered.status_code in (200, 302)
    [sent] = mails_to(outbox, "someone@example.net")
    assert "?next=" in link_in(sent, "/account/confirm/")
    client = app.test_client()
    logged_in = client.post(
        "/account/login", data={"email": "someone@example.net", "password": "a long passphrase 9"}
    )
    assert logged_in.status_code == 302

    texts = [m["text"] for m in downloaded_mail(client)]

    assert texts
    assert all("/account/confirm/" not in t for t in texts)
    assert any("[a private link, left out of this copy]" in t for t in texts)
