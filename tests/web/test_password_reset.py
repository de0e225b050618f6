"""Password reset by a mailed link: it works once and for an hour, ends every login and API token, logs
in on this device only; the answer is the same for known and unknown addresses; bad links change
nothing; requests are rate limited per address named and per client."""

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
from app.models import AuditEntry, LoginSession, User
from app.services.accounts import confirmation, password_reset
from tests.factories import DEFAULT_PASSWORD
from tests.mailbox import Outbox, link_in, mails_to, text_of
from tests.script_nonces import without_nonces

MakeUser = Callable[..., User]
RESET_SUBJECT = "Reset your Commonfix password"
NEW_PASSWORD = "a-brand-new-secret"
RESET = "/account/password/reset/"
CSRF_META = r'<meta name="csrf-token" content="[^"]+">'


def ask(client: FlaskClient, email: str) -> tuple[int, str]:
    response = client.post("/account/password/forgot", data={"email": email})
    return response.status_code, response.get_data(as_text=True)


def password_works(app: Flask, email: str, password: str) -> bool:
    response = app.test_client().post("/account/login", data={"email": email, "password": password})
    return response.status_code == 302


def logged_in(client: FlaskClient) -> bool:
    return client.get("/account/security").status_code == 200


def stored_hash(app: Flask, user_id: int) -> str:
    with app.app_context():
        return str(db.session.get(User, user_id).password_hash)  # type: ignore[union-attr]


def audit_actions(app: Flask, user_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action).where(AuditEntry.actor_id == user_id).order_by(AuditEntry.id)
            )
        )


def reset_link_for(client: FlaskClient, outbox: Outbox, email: str) -> str:
    assert ask(client, email)[0] == 200
    mails = mails_to(outbox, email, RESET_SUBJECT)
    assert mails, [m["Subject"] for m in outbox()]
    return link_in(mails[-1], RESET)


def test_a_mailed_link_resets_the_password_once_and_ends_every_other_login(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user()
    phone = app.test_client()
    assert (
        phone.post("/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )
    api = app.test_client()
    token = api.post("/api/v1/tokens", json={"email": user.email, "password": DEFAULT_PASSWORD}).get_json()[
        "token"
    ]
    bearer = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/account", headers=bearer).status_code == 200

    browser = app.test_client()
    link = reset_link_for(browser, outbox, user.email)
    # Found from outside: the mail's sentence broke after "choose" on a phone.
    assert (
        "Open this link to choose a new one:" in mails_to(outbox, user.email, RESET_SUBJECT)[-1].get_content()
    )
    page = browser.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert stored_hash(app, user.id) == stored_hash(app, user.id)  # opening the link changed nothing
    before = stored_hash(app, user.id)

    done = browser.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/account"
    assert stored_hash(app, user.id) != before
    assert logged_in(browser)  # this device is logged in with the new password
    assert not logged_in(phone)  # every other login ended
    assert api.get("/api/v1/account", headers=bearer).status_code == 401  # API tokens too
    assert password_works(app, user.email, NEW_PASSWORD)
    assert not password_works(app, user.email, DEFAULT_PASSWORD)
    with app.app_context():
        open_logins = db.session.scalars(
            select(LoginSession.device).where(
                LoginSession.user_id == user.id, LoginSession.ended_at.is_(None)
            )
        ).all()
    assert len(open_logins) == 2  # the browser's new login and the one password_works just made

    # The link works once: a second use (another password) is refused and changes nothing.
    settled = stored_hash(app, user.id)
    again = browser.post(link, data={"password": "yet-another-secret", "confirm": "yet-another-secret"})
    assert again.status_code == 410
    assert "used already" in again.get_data(as_text=True)
    assert stored_hash(app, user.id) == settled
    assert browser.get(link).status_code == 410

    assert audit_actions(app, user.id).count("account.password_reset") == 1
    notice = mails_to(outbox, user.email, "Your Commonfix password was changed")
    assert len(notice) == 1
    assert "reset with a link" in text_of(notice[0])


def test_a_reset_confirms_an_unconfirmed_address(app: Flask, make_user: MakeUser, outbox: Outbox) -> None:
    user = make_user(email_confirmed=False)
    client = app.test_client()
    link = reset_link_for(client, outbox, user.email)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).email_confirmed  # type: ignore[union-attr]


def test_known_and_unknown_addresses_get_the_same_answer(
    app: Flask, make_user: MakeUser, outbox: Outbox, table_counts: Callable[[], dict[str, int]]
) -> None:
    make_user(email="known@example.org")
    client = app.test_client()
    client.get("/account/password/forgot")  # one session, so both pages carry the same CSRF token
    answers = {}
    changes = {}
    for address in ("known@example.org", "nobody@example.org"):
        before = table_counts()
        status, body = ask(client, address)
        after = table_counts()
        # The page's CSRF token carries the time it was made and its script nonce is random, nothing
        # about the address: set aside.
        answers[address] = (status, without_nonces(re.sub(CSRF_META, "", body)).replace(address, "ADDRESS"))
        changes[address] = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert answers["known@example.org"] == answers["nobody@example.org"]
    assert answers["known@example.org"][0] == 200
    assert "We sent a message to <strong>ADDRESS</strong>" in answers["known@example.org"][1]
    assert changes["known@example.org"] == changes["nobody@example.org"] == {"outgoing_mail": 1}

    api = {}
    for address in ("known@example.org", "nobody@example.org"):
        response = client.post("/api/v1/account/password-reset", json={"email": address})
        api[address] = (response.status_code, response.get_data(as_text=True).replace(address, "ADDRESS"))
    assert api["known@example.org"] == api["nobody@example.org"]
    assert api["known@example.org"][0] == 202

    # The owner gets links; the unknown address gets a note saying no account uses it, and no link.
    assert len(mails_to(outbox, "known@example.org", RESET_SUBJECT)) == 2
    notes = mails_to(outbox, "nobody@example.org")
    assert len(notes) == 2
    assert all(RESET not in text_of(m) and "no account uses it" in text_of(m) for m in notes)


def token_made(
    app: Flask, payload: dict[str, object], key: str | None = None, salt: str = password_reset.SALT
) -> str:
    return str(URLSafeTimedSerializer(key or app.config["SECRET_KEY"], salt=salt).dumps(payload))


@pytest.mark.parametrize(
    "kind",
    ["expired", "tampered", "foreign key", "confirmation link", "password changed since", "no account"],
)
def test_bad_reset_links_change_nothing(
    app: Flask, make_user: MakeUser, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = make_user()
    with app.app_context():
        current = password_reset.reset_token(db.session.get(User, user.id))  # type: ignore[arg-type]
        fingerprint = current.split(".")[0]
    status, says = 400, "not valid"
    if kind == "expired":
        signed_at = int(time.time()) - 2 * 3600
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at)
        with app.app_context():
            token = password_reset.reset_token(db.session.get(User, user.id))  # type: ignore[arg-type]
        monkeypatch.undo()
        status, says = 410, "expired"
    elif kind == "tampered":
        token = current[:-3] + ("AAA" if not current.endswith("AAA") else "BBB")
    elif kind == "foreign key":
        token = token_made(app, {"u": user.id, "p": "x" * 24}, key="another-site's-key")
    elif kind == "confirmation link":
        token = token_made(app, {"u": user.id, "e": user.email}, salt=confirmation.SALT)
    elif kind == "password changed since":
        token = token_made(app, {"u": user.id, "p": "0" * 24, "e": user.email})
        status, says = 410, "used already"
    else:
        token = token_made(app, {"u": 2**31 - 1, "p": "0" * 24, "e": "gone@example.org"})
        says = "an account that has since been deleted"  # a whole, signed link: not "copy the whole link"
    assert fingerprint  # the real token was built (the control for the signed ones above)
    before = stored_hash(app, user.id)
    client = app.test_client()
    page = client.get(RESET + token)
    assert page.status_code == status
    assert says in page.get_data(as_text=True)
    assert "Ask for a new link" in page.get_data(as_text=True)
    sent = client.post(RESET + token, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert sent.status_code == status
    assert stored_hash(app, user.id) == before
    assert not logged_in(client)
    api = client.post(
        "/api/v1/account/password-reset/completion", json={"token": token, "password": NEW_PASSWORD}
    )
    assert api.status_code == status
    assert api.get_json()["error"]["field"] == "token"
    assert stored_hash(app, user.id) == before
    assert "account.password_reset" not in audit_actions(app, user.id)


def test_a_bad_new_password_keeps_the_link_usable(app: Flask, make_user: MakeUser, outbox: Outbox) -> None:
    user = make_user()
    client = app.test_client()
    link = reset_link_for(client, outbox, user.email)
    before = stored_hash(app, user.id)
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "The new password must be 8 to 200 characters long." in short.get_data(as_text=True)
    differ = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 422
    assert "The passwords differ." in differ.get_data(as_text=True)
    assert stored_hash(app, user.id) == before
    assert not logged_in(client)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def test_asking_checks_the_address(app: Flask, outbox: Outbox) -> None:
    client = app.test_client()
    status, body = ask(client, "not-an-address")
    assert status == 422
    assert "Email must be a valid address" in body
    assert outbox() == []


@pytest.mark.config(
    RATELIMIT_ENABLED=True,
    RATE_LIMIT_PASSWORD_RESET="2 per minute",
    RATE_LIMIT_PASSWORD_RESET_ADDRESS="4 per minute",
)
def test_reset_requests_are_limited_per_address_named_and_per_client(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    make_user(email="known@example.org")
    client = app.test_client()
    statuses = [
        ask(client, "known@example.org")[0],
        client.post("/api/v1/account/password-reset", json={"email": "Known@Example.org "}).status_code,
        ask(client, "known@example.org")[0],  # the third for this address: refused, the same as for unknown
        ask(client, "nobody@example.org")[0],
        ask(client, "nobody@example.org")[0],
        ask(client, "nobody@example.org")[0],
    ]
    assert statuses == [200, 202, 429, 200, 200, 429]
    limited = client.post("/api/v1/account/password-reset", json={"email": "third@example.org"})
    assert limited.status_code == 429  # a fresh address, but this client has asked 4 times
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert len(mails_to(outbox, "known@example.org")) == 2
    assert len(mails_to(outbox, "nobody@example.org")) == 2
    assert mails_to(outbox, "third@example.org") == []
    elsewhere = app.test_client().post(
        "/account/password/forgot",
        data={"email": "third@example.org"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert elsewhere.status_code == 200  # the same address from another client: its own quota


def test_rotating_the_secret_key_logs_everyone_out_and_voids_mailed_links(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    user = make_user()
    browser = app.test_client()
    login = browser.post(
        "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    assert login.status_code == 302
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    link = reset_link_for(app.test_client(), outbox, user.email)
    token = app.test_client().post("/api/v1/tokens", json={"email": user.email, "password": DEFAULT_PASSWORD})
    bearer = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert logged_in(browser)
    assert app.test_client().get(link).status_code == 200

    app.config["SECRET_KEY"] = "a-new-key-" + "x" * 40  # the fixture restores the config afterwards
    assert not logged_in(browser)  # the session cookie's signature no longer matches
    alone = app.test_client()
    alone.set_cookie("remember_token", remember.value)
    assert not logged_in(alone)  # nor does the remember token's
    assert app.test_client().get(link).status_code == 400  # nor the mailed link's
    assert app.test_client().get("/api/v1/account", headers=bearer).status_code == 200  # tokens are rows


def test_mailed_links_are_on_the_public_url_whatever_host_the_request_names(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    # The Host header is the client's to choose: a reset asked for with Host: evil.example must not
    # mail the victim a working token on the attacker's site.
    user = make_user()
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    client = app.test_client()
    assert (
        client.post("/account/password/forgot", data={"email": user.email}, headers=forged).status_code == 200
    )
    api = app.test_client().post("/api/v1/account/password-reset", json={"email": user.email}, headers=forged)
    assert api.status_code in (200, 202), api.get_json()
    mails = mails_to(outbox, user.email, RESET_SUBJECT)
    assert len(mails) == 2
    public = app.config["PUBLIC_URL"]
    for mail in mails:
        text = text_of(mail)
        assert "evil.example" not in text
        assert f"{public}{RESET}" in text


def test_a_reset_link_mailed_to_an_address_the_account_left_does_not_work(
    app: Flask, make_user: MakeUser, outbox: Outbox
) -> None:
    """Found from outside: a link in the old mailbox still reset the password after an email change,
    for whoever kept that mailbox (one reason to change address is to leave it)."""
    user = make_user(email="owner@example.org")
    link = reset_link_for(app.test_client(), outbox, "owner@example.org")
    with app.app_context():
        moved = db.session.get(User, user.id)
        assert moved is not None
        moved.email = "owner.new@example.org"
        db.session.commit()

    page = app.test_client().get(link)
    assert page.status_code == 400
    assert "mailed to an address this account no longer uses" in page.get_data(as_text=True)
    refused = app.test_client().post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 400
    assert not password_works(app, "owner.new@example.org", NEW_PASSWORD)
    assert password_works(app, "owner.new@example.org", DEFAULT_PASSWORD)
