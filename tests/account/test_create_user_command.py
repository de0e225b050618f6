"""`flask --app wsgi create-user`: an official's or admin's password must be hard to guess (zxcvbn);
a resident's keeps the ordinary rule (8 characters or more, not among the easiest to guess). Both
engines."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from app.extensions import db
from app.models import User


def accounts(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(User)) or 0)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password", "This is a top-10 common password"),
        ("12345678", "This is a top-10 common password"),
        ("boss1234", "too easy to guess"),  # the address's own name and digits
    ],
)
def test_an_admin_with_a_guessable_password_is_refused(
    app: Flask, runner: FlaskCliRunner, password: str, why: str
) -> None:
    """Found from outside: `create-user weak@city.example --role admin --password password` made an admin."""
    before = accounts(app)
    result = runner.invoke(
        args=["create-user", "boss@city.example", "--role", "admin", "--password", password]
    )
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        "Error: password: Password is too easy to guess for an official's or admin's"
    )
    assert why in result.output
    assert accounts(app) == before


def test_a_passphrase_makes_an_admin_and_a_resident_keeps_the_ordinary_rule(
    app: Flask, runner: FlaskCliRunner
) -> None:
    admin = runner.invoke(
        args=[
            "create-user",
            "boss@city.example",
            "--role",
            "admin",
            "--password",
            "lantern orbit gravel mossy, and then a long tail past zxcvbn's seventy-two characters",
        ]
    )
    assert admin.exit_code == 0, admin.output
    common = runner.invoke(args=["create-user", "neighbour@example.org", "--password", "password"])
    assert common.exit_code == 1, common.output
    assert common.output.startswith("Error: password: Password is too easy to guess: This is a top-10")
    resident = runner.invoke(args=["create-user", "neighbour@example.org", "--password", "long enough"])
    assert resident.exit_code == 0, resident.output
