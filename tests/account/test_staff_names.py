"""A resident's display name cannot pass for the city's staff. Found from outside: a resident named
"Olivia (city official)" posted "The city has decided to close this problem" in the timeline, where only
the missing "City staff" badge told it from the real official's updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from tests.conftest import AuthActions


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Olivia (city official)", "must not read as the city"),
        ("The Moderators", "must not read as the city"),
        ("Commonfix Team", "must not read as the city"),
        # Found from outside in the recheck: these got past whole-word matching.
        ("The city", "must not read as the city"),
        ("City_Official", "must not read as the city"),
        ("OfficialBob", "must not read as the city"),
        ("Moderator2", "must not read as the city"),
        ("CommonfixTeam", "must not read as the city"),
        ("\u041efficial Bob", "must not read as the city"),  # a Cyrillic O
        ("O\u0301fficial Bob", "must not read as the city"),  # an O with a combining accent
        ("Otto Planner", "is that of a member of the city&#39;s staff"),
        ("otto   PLANNER", "is that of a member of the city&#39;s staff"),
        # Found from outside: a soft hyphen, a dotless i, small capitals, digits as letters.
        ("Olivia (ci\u00adty of\u00adficial)", "must not read as the city"),
        ("C\u0131ty Hall", "must not read as the city"),
        (
            "\u1d04\u026a\u1d1b\u028f \u1d0f\ua730\ua730\u026a\u1d04\u026a\u1d00\u029f",
            "must not read as the city",
        ),
        ("0fficial", "must not read as the city"),
        ("Moderat0r", "must not read as the city"),
        ("ADMlN", "must not read as the city"),
        ("Counc1l", "must not read as the city"),
        ("Ot\u00adto Plan\u200bner", "is that of a member of the city&#39;s staff"),
        # Found in the recheck: more look-alikes, "!" for i, spelled out, run together, a lone mark.
        ("Ol\u0131v\u0131a (\u03f2ity offic\u0269al)", "must not read as the city"),
        ("Offic!al Olivia", "must not read as the city"),
        ("O.f.f.i.c.i.a.l", "must not read as the city"),
        ("C i t y", "must not read as the city"),
        ("OFFICIALbob", "must not read as the city"),
        ("C\u180bity Hall", "must not read as the city"),
        ("\u13df\u13a5ty", "must not read as the city"),
    ],
)
def test_a_resident_cannot_take_a_staff_like_name(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any], name: str, words: str
) -> None:
    make_user(role="official", display_name="Otto Planner")
    resident = make_user(display_name="Rita")
    auth.login_as(resident)

    refused = client.post("/account/settings/profile", data={"display_name": name})

    assert refused.status_code == 422
    assert words in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, resident.id).display_name == "Rita"
    registered = app.test_client().post(
        "/api/v1/users",
        json={"email": "new@example.org", "display_name": name, "password": "a long passphrase 9"},
    )
    assert registered.status_code == 422
    assert registered.get_json()["error"]["field"] == "display_name"


def test_ordinary_names_and_the_staffs_own_are_kept(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    official = make_user(role="official", display_name="Otto Planner")
    auth.login_as(official)
    assert (
        client.post("/account/settings/profile", data={"display_name": "Otto (city official)"}).status_code
        == 302
    )
    resident = make_user(display_name="Rita")
    auth.login_as(resident)
    ordinary = ("Rita Staffordshire", "Adminah Lee", "Otto Planner-Jones", "Cityline Kate", "Zoë Müller")
    # Names with l, 1 and 0 are not read as staff words (the look-alike reading is of whole words).
    spelled = ("J R R Tolkien", "I.M. Pei", "Ayşe Yıldız", "Zoë Ødegård", "Mayorga", "Cityboy")
    for name in (*ordinary, *spelled, "Lola Hill", "Salt Lake 101", "Alice Cooper", "Ali Baba", "Mila Kovač"):
        assert client.post("/account/settings/profile", data={"display_name": name}).status_code == 302, name
