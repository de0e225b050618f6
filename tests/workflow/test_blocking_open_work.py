"""Blocking an account that works for others: the admin is told the work and asked first; a blocked
treasurer is no longer named as the one to pay, and a blocked official's problems and teams are
freed (found from outside: a treasurer was blocked in one click while residents were told to pay them,
and an official's problem stayed assigned to someone who could not act on it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, User
from app.models.desk import Assignment, TeamMember
from tests import factories
from tests.conftest import AuthActions
from tests.funding_fixtures import Funding, funding  # noqa: F401

BLOCK = "/staff/admin/blocks/accounts"


def blocked(app: Flask, user_id: int) -> bool:
    with app.app_context():
        return bool(db.session.get(User, user_id).is_blocked)  # type: ignore[union-attr]


def test_blocking_a_treasurer_names_the_group_and_waiting_pledges_first(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    funding: Funding,  # noqa: F811
    outbox: Callable[[], list[Any]],
) -> None:
    ref = funding.group(name="Old Town neighbours")
    treasurer = funding.member(ref, admin=True, email="tess@example.org", display_name="Tess Treasurer")
    pledger = funding.member(ref)
    funding.pledge(ref, pledger, 500, confirm=False)
    auth.login_as(pledger)
    assert 'data-testid="no-treasurer"' not in client.get("/account").get_data(as_text=True)
    assert "Tess Treasurer, the admin of" in client.get(f"/pools/{ref.pool_id}").get_data(as_text=True)
    auth.login_as(make_user(role="admin"))

    asked = client.post(BLOCK, data={"email": "tess@example.org", "action": "block"})

    assert asked.status_code == 422
    said = asked.get_data(as_text=True)
    assert "runs “Old Town neighbours” as its treasurer (1 pledge waiting for a treasurer)" in said
    assert "Yes, block it anyway" in said
    assert not blocked(app, treasurer.id)
    done = client.post(BLOCK, data={"email": "tess@example.org", "action": "block", "confirm_work": "y"})
    assert done.status_code == 302
    assert blocked(app, treasurer.id)
    # The waiting pledger is told nobody in the group can confirm it now (found from outside: "Waiting
    # for the treasurer", with no treasurer to wait for).
    auth.login_as(pledger)
    mine = client.get("/account").get_data(as_text=True)
    assert "No treasurer of the group can confirm it now: ask a city official, or withdraw it." in mine
    # A new pledge is not told to hand the money to the treasurer, on the page or in its mail (found
    # from outside: the provider's words still said so).
    group_page = client.get(f"/groups/{ref.group_id}").get_data(as_text=True)
    assert (
        "No treasurer of Old Town neighbours can confirm pledges now: a city official confirms" in group_page
    )
    assert "Hand the money to your group's treasurer" not in group_page
    funding.pledge(ref, pledger, 700, confirm=False)
    told = [m for m in outbox() if str(m["Subject"]) == "How to pay your pledge of EUR 7.00"]
    text = told[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "A city official confirms it when its money is in the pool." in text
    assert "Hand the money" not in text
    auth.logout()
    pool = client.get(f"/pools/{ref.pool_id}").get_data(as_text=True)
    assert "Tess Treasurer" not in pool
    assert "has no admin who can act: a city official confirms each pledge when the money arrives." in pool
    # Found from outside: with no treasurer, "How to pay" still said to hand the money to one.
    assert "Hand the money to your group's treasurer" not in pool
    assert "A city official confirms it when its money is in the pool." in pool


def test_blocking_an_official_frees_their_problems_and_teams(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any], make_issue
) -> None:
    official = make_user(role="official", email="off2@city.example")
    issue = make_issue()
    with app.app_context():
        factories.give_desk_work(db.session, official.id, issue.id)
        db.session.commit()
    auth.login_as(make_user(role="admin"))

    asked = client.post(BLOCK, data={"email": "off2@city.example", "action": "block"})
    assert asked.status_code == 422
    # Found from outside: "1 problem … which become unassigned", and advice about groups they do not run.
    assert "has 1 problem assigned, which becomes unassigned. Blocked, they cannot act on it. Block" in (
        asked.get_data(as_text=True)
    )
    assert (
        client.post(
            BLOCK, data={"email": "off2@city.example", "action": "block", "confirm_work": "y"}
        ).status_code
        == 302
    )

    with app.app_context():
        assert db.session.get(Assignment, issue.id) is None
        assert db.session.scalars(select(TeamMember).where(TeamMember.user_id == official.id)).all() == []
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.block")).one()
        assert entry.details["unassigned"] == 1
    # An account with no work for others is blocked at once, as before.
    plain = make_user(email="rita@example.org")
    assert client.post(BLOCK, data={"email": "rita@example.org", "action": "block"}).status_code == 302
    assert blocked(app, plain.id)


def test_a_domain_block_names_the_groups_its_treasurers_run(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    funding: Funding,  # noqa: F811
) -> None:
    ref = funding.group(name="Quay neighbours")
    funding.member(ref, admin=True, email="tess@shady.example")
    auth.login_as(make_user(role="admin"))

    asked = client.post("/staff/admin/blocks/domains", data={"domain": "shady.example"})

    assert asked.status_code == 422
    said = asked.get_data(as_text=True)
    assert "tess@shady.example runs “Quay neighbours” as its treasurer." in said
    assert "Tick the box to go ahead." in said
