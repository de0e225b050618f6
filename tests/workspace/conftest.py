"""Fixtures for the officials' workspace tests: logged-in staff, column stamping, the mail outbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.extensions import db
from app.models import Issue, User
from tests import factories

Stamp = Callable[..., None]


@pytest.fixture
def official(make_user: Callable[..., User]) -> User:
    return make_user(email="olivia@city.example", role="official", display_name="Olivia")


@pytest.fixture
def staff_client(app: Flask, official: User, auth: Any) -> FlaskClient:
    """The test client, logged in as an official."""
    response = auth.login(official.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return auth.client  # type: ignore[no-any-return]


@pytest.fixture
def stamp(app: Flask) -> Stamp:
    """Set columns of an issue directly (workflow timestamps, hidden flag) as if time had passed."""

    def set_columns(issue_id: int, **values: Any) -> None:
        with app.app_context():
            db.session.execute(update(Issue).where(Issue.id == issue_id).values(**values))
            db.session.commit()

    return set_columns


ROW_START = datetime(2026, 3, 2, 9, 0, 0)


def problems_in_a_row(app: Flask, count: int) -> list[int]:
    """`count` new problems of one reporter, a minute apart from ROW_START; their ids."""
    with app.app_context():
        reporter = factories.new_user(db.session)
        made = [
            factories.new_issue(db.session, reporter, created_at=ROW_START + timedelta(minutes=i)).id
            for i in range(count)
        ]
        db.session.commit()
    return made
