"""`flask --app wsgi set-role EMAIL ROLE`: the one way to make a resident staff or take staff rights away.

Found from outside: no page, API or command changed a role (an official who left kept their rights; the
block form's "change the role first" pointed at nothing). Both engines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update
from werkzeug.security import check_password_hash

from app.extensions import db
from app.models import ApiToken, AuditEntry, User
from app.models.desk import Assignment, TeamMember
from tests import factories
from tests.conftest import AuthActions

PASSPHRASE = "lantern orbit gravel mossy hedgehog"


def stored(app: Flask, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def test_a_resident_becomes_an_official_with_a_staff_strength_password(
    app: Flask, runner: FlaskCliRunner, client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    resident = make_user(email="clerk@city.example", display_name="Clerk")
    token = auth.token(resident.email)
    weak = runner.invoke(args=["set-role", resident.email, "official"], input="sunflower7\nsunflower7\n")
    assert weak.exit_code == 1, weak.output
    assert "too easy to guess for an official's or admin's account" in weak.output
    assert stored(app, resident.email).role == "resident"

    done = runner.invoke(
        args=["set-role", "CLERK@city.example", "official"], input=f"{PASSPHRASE}\n{PASSPHRASE}\n"
    )

    assert done.exit_code == 0, done.output
    assert "clerk@city.example is now official (was resident)" in done.output
    user = stored(app, resident.email)
    assert user.role == "official"
    assert check_password_hash(user.password_hash, PASSPHRASE)
    # The token was granted to a resident: it no longer works.
    assert client.get("/api/v1/account", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    with app.app_context():
        assert db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all() == []
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.role"))
        assert entry is not None
        assert entry.actor_id is None
        assert entry.details == {"by": "command", "email": user.email, "from": "resident", "to": "official"}
    auth.login_as(make_user(role="admin"))
    log = client.get("/staff/admin/audit").get_data(as_text=True)
    assert "A command on the server" in log
    assert "made clerk@city.example official (was resident)" in log


def test_an_official_made_a_resident_leaves_the_teams_and_the_problems_assigned(
    app: Flask,
    runner: FlaskCliRunner,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., User],
    make_issue: Callable[..., Any],
) -> None:
    official = make_user(role="official", email="leaver@city.example")
    issue = make_issue()
    with app.app_context():
        factories.give_desk_work(db.session, official.id, issue.id)
        db.session.commit()

    done = runner.invoke(args=["set-role", official.email, "resident"])

    assert done.exit_code == 0, done.output
    assert "1 problem left unassigned" in done.output  # found from outside: "1 problems"
    assert stored(app, official.email).role == "resident"
    with app.app_context():
        assert db.session.scalars(select(TeamMember).where(TeamMember.user_id == official.id)).all() == []
        assert db.session.get(Assignment, issue.id) is None
    # Found from outside: the audit log told of the new role alone.
    auth.login_as(make_user(role="admin"))
    log = client.get("/staff/admin/audit").get_data(as_text=True)
    expected = (
        f"made leaver@city.example resident (was official), taking them out of 1 team (Roads crew), "
        f"unassigning 1 problem (#{issue.id})"
    )
    assert expected in log


def test_what_cannot_change_is_named(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    admin = make_user(role="admin", email="only-admin@city.example")
    resident = make_user(email="someone@example.org")

    last = runner.invoke(args=["set-role", admin.email, "official"])
    same = runner.invoke(args=["set-role", resident.email, "resident"])
    nobody = runner.invoke(args=["set-role", "nobody@example.org", "resident"])

    assert last.exit_code == 1
    assert "role: This is the only admin account that can act: make another admin first." in last.output
    assert "role: someone@example.org is already a resident." in same.output
    assert "email: There is no account 'nobody@example.org'." in nobody.output
    assert stored(app, admin.email).role == "admin"


def test_a_blocked_account_is_not_made_staff_nor_counted_as_an_admin(
    app: Flask, runner: FlaskCliRunner, make_user: Callable[..., User]
) -> None:
    """Found from outside: a blocked resident made admin, then the real admin demoted, left nobody able to
    open the admin pages (and only an admin lifts a block)."""
    admin = make_user(role="admin", email="boss@city.example")
    blocked = make_user(email="blocked@example.org", is_blocked=True)

    promoted = runner.invoke(args=["set-role", blocked.email, "admin"], input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert promoted.exit_code == 1
    assert "email: blocked@example.org is blocked: unblock it first" in promoted.output
    with app.app_context():
        db.session.execute(update(User).where(User.id == blocked.id).values(role="admin"))
        db.session.commit()  # a blocked admin from before this rule
    demoted = runner.invoke(args=["set-role", admin.email, "official"])
    assert "This is the only admin account that can act" in demoted.output
    assert stored(app, admin.email).role == "admin"
