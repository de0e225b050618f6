"""current_resident(): the User behind flask_login's proxy on pages, 401 for anyone else."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask_login import current_user, login_user
from werkzeug.exceptions import Unauthorized

from app.auth.sessions import current_resident
from app.extensions import db
from app.models import User
from app.models.account import TokenHolder
from app.services.accounts.logins import start_login
from tests.conftest import AuthActions

MakeUser = Callable[..., User]


def test_a_logged_in_resident_is_their_user_row(app: Flask, make_user: MakeUser) -> None:
    resident = make_user(display_name="Ana")
    with app.test_request_context("/groups/"):
        user = db.session.get(User, resident.id)
        assert user is not None
        start_login(db.session, user, "test", app.config["LOGIN_LIFETIME"])
        login_user(user)
        found = current_resident()
        assert isinstance(found, User)
        assert (found.id, found.display_name) == (resident.id, "Ana")


def test_an_anonymous_visitor_is_refused_with_401(app: Flask) -> None:
    with app.test_request_context("/groups/"), pytest.raises(Unauthorized):
        current_resident()


def test_a_bearer_token_is_no_login_on_a_page_and_only_its_holder_on_the_api(
    app: Flask, auth: AuthActions
) -> None:
    headers = auth.headers(display_name="Bo")
    # A page ignores the token (a script's credential for the APIs, not a login): anonymous, so 401.
    with app.test_request_context("/groups/", headers=headers), pytest.raises(Unauthorized):
        current_resident()
    # Open311 takes it and gets the User.
    with app.test_request_context("/open311/v2/requests.json", headers=headers):
        assert current_resident().display_name == "Bo"
    # On the API the token's holder is a TokenHolder, not a User: API views use require_user instead.
    with app.test_request_context("/api/v1/issues", headers=headers):
        assert isinstance(current_user._get_current_object(), TokenHolder)
        with pytest.raises(Unauthorized):
            current_resident()
