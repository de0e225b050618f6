"""The site's name is the city's (SITE_NAME): pages, mails, feeds and the data download say it, a
resident may not take it as a display name, and a wrong value stops the app at start."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from flask.testing import FlaskClient

from config_values import parse_site_name
from tests.conftest import AuthActions

Outbox = Callable[[], list[EmailMessage]]
NAME = "Fix Lyon"
pytestmark = pytest.mark.config(SITE_NAME=NAME)


def register(client: FlaskClient, display_name: str) -> str:
    return client.post(
        "/account/register",
        data={
            "email": "kim@example.org",
            "display_name": display_name,
            "password": "long enough",
            "confirm": "long enough",
        },
    ).get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/account/login", "/account/register", "/account/privacy", "/groups"])
def test_pages_name_the_site_as_the_city_calls_it(client: FlaskClient, path: str) -> None:
    page = client.get(path).get_data(as_text=True)

    assert f"· {NAME}</title>" in page
    assert f'<span class="brand__mark" aria-hidden="true"></span>{NAME}</a>' in page
    assert "Commonfix" not in page


def test_mail_feeds_and_the_data_download_name_the_site(
    client: FlaskClient, auth: AuthActions, outbox: Outbox, make_user
) -> None:
    register(client, "Kim")
    mail = outbox()[-1]
    assert mail["Subject"] == f"Confirm your email address for {NAME}"
    assert mail["From"] == f"{NAME} <noreply@localhost>"  # found from outside: still "Commonfix"

    feed = client.get("/feeds/issues.atom").get_data(as_text=True)
    assert f"<title>{NAME}: new problems in the city</title>" in feed

    user = make_user()
    auth.login(user.email)
    account = client.get("/account").get_data(as_text=True)
    assert f"<h1>My {NAME}</h1>" in account
    download = client.post("/account/export")
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        readme = archive.read("README.txt").decode()
    assert readme.startswith(f"Your data from {NAME}\n{'=' * len('Your data from ' + NAME)}\n")
    assert "Commonfix" not in readme


def test_a_display_name_may_not_read_as_the_site(client: FlaskClient) -> None:
    for look_alike in ("Fix-Lyon Team", "F1x Lyon Co", "F i x Lyon", "Fix L y o n"):
        refused = register(client, look_alike)
        assert f"Display name must not read as the city, its staff or {NAME}" in refused, look_alike
    # One word of the name alone is a resident's name.
    assert "Check your email" in register(client, "Lyon Dupont")


@pytest.mark.parametrize(
    ("raw", "kept"),
    [("  Fix   Lyon ", "Fix Lyon"), ("Fix\nLyon", "Fix Lyon"), ("Ma ville répare", "Ma ville répare")],
)
def test_the_setting_is_one_line_of_spaces_collapsed(raw: str, kept: str) -> None:
    assert parse_site_name("SITE_NAME", raw) == kept


@pytest.mark.parametrize("raw", ["", "   ", "x" * 41, "Fix\x00Lyon"])
def test_a_wrong_setting_is_named(raw: str) -> None:
    with pytest.raises(ValueError, match="SITE_NAME must be a name of 1 to 40 printable characters"):
        parse_site_name("SITE_NAME", raw)


@pytest.mark.config(SITE_NAME="Ville de Lyon, Signalements")
def test_a_site_name_with_a_comma_makes_one_sender(client: FlaskClient, outbox: Outbox) -> None:
    """Found from outside: "From: Ville de Lyon, Signalements <noreply@localhost>" read as two
    addresses, and a strict SMTP server refused the sender."""
    register(client, "Kim")
    sender = outbox()[-1]["From"]
    assert sender.addresses[0].display_name == "Ville de Lyon, Signalements"
    assert sender.addresses[0].addr_spec == "noreply@localhost"
    assert len(sender.addresses) == 1


@pytest.mark.config(MAIL_DEFAULT_SENDER="   ")
def test_a_blank_sender_is_an_unset_one(client: FlaskClient, outbox: Outbox) -> None:
    """Found from outside: spaces alone were kept, and mail went out with a blank From."""
    register(client, "Kim")
    assert outbox()[-1]["From"] == f"{NAME} <noreply@localhost>"


@pytest.mark.config(MAIL_DEFAULT_SENDER="Commonfix <noreply@localhost>")
def test_a_sender_the_city_set_is_kept_as_set(client: FlaskClient, outbox: Outbox) -> None:
    """Even one that reads as the default's old text: the site's name replaces only an unset sender
    (before, the default was recognised by its text and this one was replaced)."""
    register(client, "Kim")
    assert outbox()[-1]["From"] == "Commonfix <noreply@localhost>"
