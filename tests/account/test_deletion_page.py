"""The account delete page: a notice naming what holds the account back only when something does (and
then no password form), otherwise a plain word on what deleting does. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.models import Group, Round, RoundBallot, User
from tests import factories
from tests.backing_fixtures import Backers, backers  # noqa: F401
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def is_deleted(app: Flask, user_id: int) -> bool:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return user.deleted_at is not None


def delete_page(client: FlaskClient) -> str:
    return " ".join(client.get("/account/delete").get_data(as_text=True).split())


def test_the_delete_page_explains_plainly_when_nothing_holds_the_account_back(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    # Found from outside: every resident read "You cannot delete the account while..." although no
    # case applied to them.
    auth.login_as(make_user())
    page = delete_page(client)
    assert "cannot delete" not in page
    assert "is not tallied yet" not in page
    assert "takes effect as soon as you confirm it with your password" in page
    assert 'name="password"' in page
    assert "What stays, without your name" in page
    # Found from outside: likes on fixed or closed problems stayed, and the page did not say so.
    assert "Your likes on problems already fixed or closed, in their counts, linked to no one" in page


def test_the_delete_page_names_each_case_that_holds_the_account_back_and_offers_no_form(
    world: RoundWorld,
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    table_counts: Callable[[], dict[str, int]],
) -> None:
    world.build(members=2, pledges=(1000,), costs=COSTS)
    assert world.admin is not None
    rid = world.create(by=world.official, name="Spring <b>round</b>")["id"]
    world.open_voting(rid)
    pledger, bystander = world.members
    assert world.ref is not None
    with app.app_context():
        group_name = db.session.scalar(select(Group.name).where(Group.id == world.ref.group_id))
    notice = "You cannot delete your account yet"

    auth.login_as(pledger)
    page = delete_page(client)
    assert notice in page
    assert (
        f"You pledged money to {group_name}, whose round “Spring &lt;b&gt;round&lt;/b&gt;” is not tallied yet"
        in page
    )
    assert 'name="password"' not in page  # a form bound to fail is not offered
    assert "What goes" in page  # what deleting would do is still explained
    before = table_counts()
    refused_page = client.post("/account/delete", data={"password": factories.DEFAULT_PASSWORD})
    assert refused_page.status_code == 409
    assert "is not tallied yet" in refused_page.get_data(as_text=True)
    assert table_counts() == before
    assert not is_deleted(app, pledger.id)

    auth.login_as(world.admin)
    page = delete_page(client)
    assert notice in page
    assert f"You are the only one who runs {group_name}, which has other members" in page
    assert "is not tallied yet" not in page  # the admin pledged nothing

    with app.app_context():
        db.session.execute(update(Round).where(Round.id == rid).values(tally_token="running-now"))
        db.session.commit()
    auth.login_as(bystander)
    page = delete_page(client)
    assert notice in page
    assert "is running: try again once it finished" in page


def test_a_voter_who_is_no_member_waits_for_the_running_tally_of_their_ballot(
    world: RoundWorld,
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
) -> None:
    """Found in an outside pass: a census or voting-code voter need not be a member of the group, so the
    check for a running tally missed their round; deleting then took away a ballot the tally was
    counting. Their round now holds the deletion back, as a member's does."""
    world.build(members=1, pledges=(1000,), costs=COSTS)
    rid = world.create()["id"]
    world.open_voting(rid)
    voter = make_user()
    with app.app_context():
        db.session.add(RoundBallot(round_id=rid, user_id=voter.id, choices={str(world.issues[0]): 1}))
        db.session.execute(update(Round).where(Round.id == rid).values(tally_token="running-now"))
        db.session.commit()
    auth.login_as(voter)

    assert "is running: try again once it finished" in delete_page(client)
    before = table_counts()
    refused = client.post("/account/delete", data={"password": factories.DEFAULT_PASSWORD})
    assert refused.status_code == 409
    assert table_counts() == before
    assert not is_deleted(app, voter.id)


def test_a_pledge_still_waiting_for_the_treasurer_is_named_with_the_way_out(
    world: RoundWorld, client: FlaskClient, auth: AuthActions
) -> None:
    """Found from outside: a pledge never paid held the account with no way out named, while the page's
    "What goes" said waiting pledges are deleted. Withdrawing it is the way out, and the page says so."""
    world.build(members=2, pledges=(1000,), costs=COSTS)
    rid = world.create(by=world.official)["id"]
    world.open_voting(rid)
    _, waiting = world.members
    assert world.ref is not None
    world.funding.pledge(world.ref, waiting, 550, confirm=False)
    auth.login_as(waiting)

    page = delete_page(client)

    assert "is not tallied yet" in page
    assert "withdraw it (on My Commonfix)" in page


def test_the_delete_page_names_this_residents_own_money_and_references(
    client: FlaskClient, auth: AuthActions, backers: Backers, app: Flask
) -> None:
    """Found from outside: the page said what happens to each kind of money, but not to the resident's
    own: a pending backing's reference (paid already?) and a held backing's refund."""
    resident = backers.resident()
    headers = auth.headers(resident)
    held_on = backers.problem(cost_cents=10_000)
    held = client.post(
        f"/api/v1/issues/{held_on}/backings",
        json={"amount_cents": 500},
        headers={**headers, "Idempotency-Key": "h"},
    )
    assert held.get_json()["status"] == "held"
    app.config["PAYMENT_PROVIDER"] = "treasurer-confirmed"
    waiting_on = backers.problem(cost_cents=10_000)
    waiting = client.post(
        f"/api/v1/issues/{waiting_on}/backings",
        json={"amount_cents": 550},
        headers={**headers, "Idempotency-Key": "w"},
    ).get_json()
    auth.login_as(resident)

    page = delete_page(client)

    shown = page.split('data-testid="deletion-money">')[1].split("</ul>")[0]
    assert f"Your backing CF-B{waiting['id']} of EUR 5.50 for" in shown
    assert (
        f"ask the cashier to confirm it first, or to return the money quoting CF-B{waiting['id']}." in shown
    )
    assert "Your backing of EUR 5.00 held for" in shown
    assert "is refunded to you first." in shown
