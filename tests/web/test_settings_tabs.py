"""Two tabs on Account settings: saving one keeps what the other just saved (found from outside: the
profile form sent the display name it had shown, putting back a name another tab had changed)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from tests.web.test_account_settings import logged_in_client, reload

MakeUser = Callable[..., User]


def profile_form_of(client: FlaskClient) -> dict[str, str]:
    """The profile form's fields as the settings page draws them (the checkbox only when ticked)."""
    page = client.get("/account/settings").get_data(as_text=True)
    form = page.split('action="/account/settings/profile"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        fields[name.group(1)] = value.group(1) if value else ""
    return fields


def test_saving_one_tab_keeps_what_another_tab_saved(app: Flask, make_user: MakeUser) -> None:
    user = make_user(display_name="Resident 29")
    client = logged_in_client(app, user)
    tab_a, tab_b = profile_form_of(client), profile_form_of(client)

    assert client.post("/account/settings/profile", data={**tab_a, "display_name": "Rita"}).status_code == 302
    tab_b["hide_name_default"] = "y"
    assert client.post("/account/settings/profile", data=tab_b).status_code == 302

    saved = reload(app, user.id)
    assert saved.display_name == "Rita"
    assert saved.hide_name_default is True


def test_a_form_changing_nothing_saves_nothing(app: Flask, make_user: MakeUser) -> None:
    user = make_user(display_name="Resident 29")
    client = logged_in_client(app, user)
    stale = profile_form_of(client)
    assert client.post("/account/settings/profile", data={**stale, "display_name": "Rita"}).status_code == 302
    response = client.post("/account/settings/profile", data=stale, follow_redirects=True)
    assert "Nothing to change." in response.get_data(as_text=True)
    assert reload(app, user.id).display_name == "Rita"


def test_a_sender_that_does_not_say_what_it_showed_saves_every_field(app: Flask, make_user: MakeUser) -> None:
    user = make_user(display_name="Resident 29")
    client = logged_in_client(app, user)
    assert client.post("/account/settings/profile", data={"display_name": "Rita"}).status_code == 302
    saved = reload(app, user.id)
    assert saved.display_name == "Rita"
    assert saved.hide_name_default is False
