"""Deleting an account: personal data goes, reports stay as "a former resident", the ledger still checks."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    ApiToken,
    AuditEntry,
    Flag,
    Follow,
    Issue,
    IssueEvent,
    Like,
    LoginSession,
    Membership,
    OutgoingMail,
    Pledge,
    Round,
    RoundBallot,
    User,
)
from app.services.accounts.confirmation import confirmation_token
from app.services.issues import follows
from app.services.kernel.errors import Conflict
from app.services.mydata import deletion
from tests import factories
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401

COSTS = (3000, 2000, 1500, 1000)


def user_row(app: Flask, user_id: int) -> dict[str, Any]:
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user is not None
        return {
            "email": user.email,
            "display_name": user.display_name,
            "blocked": user.is_blocked,
            "deleted": user.deleted_at is not None,
        }


def rows_of(app: Flask, user_id: int) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: len(
                db.session.scalars(select(model.id).where(model.user_id == user_id)).all()
            )
            for model in (Like, Follow, Membership, ApiToken, Pledge, RoundBallot)
        }


def tallied_round(world: RoundWorld) -> int:
    world.build(members=4, pledges=(1000, 1000, 1000, 1000), costs=COSTS)
    rid = world.create(by=world.official, match_ratio="1:1", match_cap_cents=2000)["id"]
    world.open_voting(rid)
    a, b, c, d = world.issues
    for member, ids in zip(world.members, [[a, b], [a], [c, d]], strict=False):
        assert world.vote(member, rid, issue_ids=ids).status_code == 200
    assert world.tally(rid).status_code == 200
    return int(rid)


def test_deleting_keeps_reports_ledger_and_tallied_results_and_removes_the_person(
    world: RoundWorld, app: Flask, client: FlaskClient, runner: FlaskCliRunner
) -> None:
    rid = tallied_round(world)
    leaver = world.members[0]
    report = world.make_issue(reporter=None, title="Broken bench")
    with app.app_context():  # the leaver's own report, like and follow
        db.session.execute(update(Issue).where(Issue.id == report.id).values(reporter_id=leaver.id))
        follows.follow(db.session, db.session.get(User, leaver.id), issue_id=report.id)
        db.session.commit()
    world.like(leaver, report.id)
    headers = world.headers(leaver)
    results_before = client.get(f"/api/v1/rounds/{rid}/results").get_json()
    pool_before = client.get(f"/api/v1/pools/{world.ref.pool_id}").get_json()
    likes_before = client.get(f"/api/v1/issues/{report.id}").get_json()["properties"]["likes"]

    wrong = client.delete("/api/v1/account", json={"password": "not-my-password"}, headers=headers)
    assert (wrong.status_code, wrong.get_json()["error"]["field"]) == (422, "password")
    assert user_row(app, leaver.id)["deleted"] is False

    done = client.delete("/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers)
    assert done.status_code == 204

    assert user_row(app, leaver.id) == {
        "email": f"deleted-{leaver.id}@commonfix.invalid",
        "display_name": "a former resident",
        "blocked": True,
        "deleted": True,
    }
    # The person's links go; the confirmed pledge (ledger) and the tallied round's ballot stay, anonymous.
    assert rows_of(app, leaver.id) == {
        "likes": 0,
        "follows": 0,
        "memberships": 0,
        "api_tokens": 0,
        "pledges": 1,
        "round_ballots": 1,
    }
    assert client.get(f"/api/v1/issues/{report.id}").get_json()["properties"]["likes"] == likes_before - 1
    assert "Reported by</dt><dd>a former resident" in client.get(f"/issues/{report.id}").get_data(
        as_text=True
    )
    assert client.get(f"/api/v1/rounds/{rid}/results").get_json() == results_before
    assert client.get(f"/api/v1/pools/{world.ref.pool_id}").get_json() == pool_before
    checked = runner.invoke(args=["ledger-check"])
    assert checked.exit_code == 0, checked.output
    assert "Ledger OK" in checked.output
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.delete")).one()
        assert (entry.actor_id, entry.target_id) == (leaver.id, str(leaver.id))
    # The token is gone, the address and password no longer log in, and deleting twice is refused.
    again = client.delete("/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers)
    assert again.status_code == 401
    login = client.post(
        "/api/v1/tokens", json={"email": leaver.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert login.status_code == 401
    with app.app_context():
        tombstone = db.session.get(User, leaver.id)
        with pytest.raises(Conflict, match="already deleted"):
            deletion.delete_account(db.session, tombstone, factories.DEFAULT_PASSWORD)


def refused(client: FlaskClient, headers: dict[str, str], message: str) -> None:
    response = client.delete(
        "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers
    )
    assert response.status_code == 409, response.get_json()
    error = response.get_json()["error"]
    assert error["field"] == "account"
    assert message in error["message"]


def test_deletion_is_refused_while_pledged_money_waits_for_an_open_round(
    world: RoundWorld, app: Flask, client: FlaskClient, table_counts: Callable[[], dict[str, int]]
) -> None:
    world.build(members=2, pledges=(1000,), costs=COSTS)
    rid = world.create(by=world.official)["id"]
    world.open_voting(rid)
    pledger = world.members[0]
    headers = world.headers(pledger)
    before = table_counts()
    refused(client, headers, "is not tallied yet")
    assert table_counts() == before
    assert user_row(app, pledger.id)["deleted"] is False


def test_a_draft_round_does_not_hold_a_pledgers_account(world: RoundWorld, client: FlaskClient) -> None:
    """Found from outside: a draft round, which may never start, held every pledger's account with
    "Delete your account once it is tallied"; with no round at all the account could go."""
    world.build(members=2, pledges=(1000,), costs=COSTS)
    world.create(by=world.official)  # left in draft
    headers = world.headers(world.members[0])

    done = client.delete("/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers)

    assert done.status_code == 204, done.get_json()


def test_deletion_is_refused_while_a_tally_of_its_round_runs(
    world: RoundWorld, app: Flask, client: FlaskClient, table_counts: Callable[[], dict[str, int]]
) -> None:
    world.build(members=2, costs=COSTS)
    rid = world.create(by=world.official)["id"]
    with app.app_context():
        db.session.execute(update(Round).where(Round.id == rid).values(tally_token="running-now"))
        db.session.commit()
    headers = world.headers(world.members[1])
    before = table_counts()
    refused(client, headers, "is running")
    assert table_counts() == before


def test_the_only_resident_running_a_group_with_members_cannot_leave_it_unrun(
    world: RoundWorld, client: FlaskClient, table_counts: Callable[[], dict[str, int]]
) -> None:
    world.build(members=2)
    headers = world.headers(world.admin)
    before = table_counts()
    refused(client, headers, "only one who runs")
    assert table_counts() == before


def test_ballots_in_rounds_not_yet_tallied_are_withdrawn(
    world: RoundWorld, app: Flask, client: FlaskClient
) -> None:
    world.build(members=3, costs=COSTS)
    rid = world.create(by=world.official)["id"]
    world.open_voting(rid)
    voter = world.members[0]
    assert world.vote(voter, rid, issue_ids=[world.issues[0]]).status_code == 200
    assert world.vote(world.members[1], rid, issue_ids=[world.issues[1]]).status_code == 200
    response = client.delete(
        "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=world.headers(voter)
    )
    assert response.status_code == 204
    with app.app_context():
        assert db.session.scalars(select(RoundBallot.user_id).where(RoundBallot.round_id == rid)).all() == [
            world.members[1].id
        ]


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": 12345678}, {"password": "wrong-one!"}])
def test_bad_passwords_name_the_field_and_change_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Any],
    make_user: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    body: dict[str, Any],
) -> None:
    user = make_user()
    make_issue(reporter=None)
    headers = auth.headers(user)
    before = table_counts()
    response = client.delete("/api/v1/account", json=body, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "password"
    assert table_counts() == before
    assert user_row(app, user.id)["email"] == user.email


def test_deleting_on_the_page_logs_out_and_the_old_cookie_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    user = make_user(display_name="Leaving Soon")
    assert auth.login(user.email).status_code == 302
    old_cookie = client.get_cookie("session")
    assert old_cookie is not None
    page = client.get("/account/delete")
    assert page.status_code == 200
    assert "What stays, without your name" in page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "Pledges still waiting for a treasurer" in text
    assert "your identifier is free to verify a new account" in text  # census, codes, flags: unlinked
    assert "the codes stay used, so none votes twice, but they no longer lead to you" in text
    assert "stays in their queue, but no longer says who sent it" in text
    with app.app_context():
        link = f"/account/confirm/{confirmation_token(db.session.get(User, user.id))}"
    wrong = client.post("/account/delete", data={"password": "not-it-at-all"})
    assert wrong.status_code == 422
    assert "The password is wrong" in wrong.get_data(as_text=True)
    done = client.post("/account/delete", data={"password": factories.DEFAULT_PASSWORD})
    assert done.status_code == 302
    assert "Your account is deleted." in client.get("/").get_data(as_text=True)
    client.set_cookie("session", old_cookie.value)
    assert client.get("/account").status_code == 302  # to the login page: the tombstone never signs in
    assert user_row(app, user.id)["deleted"] is True
    # Found from outside: a link mailed before the deletion said "copy the whole link from the mail".
    assert "This link was for an account that has since been deleted." in client.get(link).get_data(
        as_text=True
    )


def test_deleting_removes_the_accounts_logins_and_handled_flags_and_open_ones_stay_anonymous(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
) -> None:
    # The devices the person signed in on (the security page's list) are theirs alone; a flag not yet
    # handled is a report of abusive content, and stays in moderation without their name.
    user, other = make_user(), make_user()
    headers = auth.headers(user)
    issue = make_issue(title="Rude words")
    flagged = client.post(
        f"/api/v1/issues/{issue.id}/flags",
        json={"reason": "abusive", "note": "My neighbour's name is in it."},
        headers=headers,
    )
    assert flagged.status_code == 201
    second = client.post(
        f"/api/v1/issues/{issue.id}/flags", json={"reason": "spam"}, headers=auth.headers(other)
    )
    assert second.status_code == 201
    handled = make_issue(title="Already seen to")
    assert (
        client.post(
            f"/api/v1/issues/{handled.id}/flags", json={"reason": "spam"}, headers=headers
        ).status_code
        == 201
    )
    with app.app_context():
        db.session.execute(update(Flag).where(Flag.issue_id == handled.id).values(status="dismissed"))
        db.session.commit()
    assert auth.login(user.email).status_code == 302
    auth.logout()
    assert auth.login(user.email).status_code == 302

    def rows(model: type[Flag] | type[LoginSession], user_id: int) -> int:
        with app.app_context():
            return len(db.session.scalars(select(model.id).where(model.user_id == user_id)).all())

    assert (rows(LoginSession, user.id), rows(Flag, user.id)) == (2, 2)
    client.delete_cookie("session")  # the browser's login stays open; the API call carries a token only
    done = client.delete("/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers)
    assert done.status_code == 204
    # The open flag stays in the moderators' queue, naming no one; the handled one goes.
    with app.app_context():
        left = db.session.scalars(select(Flag.issue_id).where(Flag.user_id.is_(None))).all()
    assert (rows(LoginSession, user.id), rows(Flag, user.id), left) == (0, 0, [issue.id])
    assert rows(Flag, other.id) == 1  # another resident's flag of the same report stays


def test_nobody_can_take_a_future_tombstone_address_and_so_block_a_deletion(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any], table_counts: Any
) -> None:
    victim, squatter = make_user(), make_user()
    victim_headers, squatter_headers = auth.headers(victim), auth.headers(squatter)
    tombstone = deletion.tombstone_email(victim.id)
    before = table_counts()
    registered = client.post(
        "/api/v1/users",
        json={"email": tombstone.upper(), "password": "a-long-password", "display_name": "Squatter"},
    )
    assert (registered.status_code, registered.get_json()["error"]["field"]) == (422, "email")
    changed = client.post(
        "/api/v1/account/email",
        json={"new_email": tombstone, "password": factories.DEFAULT_PASSWORD},
        headers=squatter_headers,
    )
    assert (changed.status_code, changed.get_json()["error"]["field"]) == (422, "new_email")
    assert table_counts() == before
    done = client.delete(
        "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=victim_headers
    )
    assert done.status_code == 204
    assert user_row(app, victim.id)["email"] == tombstone


def test_deleting_removes_the_outboxs_mails_to_the_person(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable[..., Any]
) -> None:
    # Each mail keeps the address and the name it greets; the privacy page keeps the address only
    # until the account is deleted.
    user, other = make_user(display_name="Gone Soon"), make_user()
    headers = auth.headers(user)
    for someone in (user, other):
        asked = client.post("/api/v1/account/password-reset", json={"email": someone.email})
        assert asked.status_code == 202

    def mails_to(address: str) -> int:
        with app.app_context():
            return len(
                db.session.scalars(select(OutgoingMail.id).where(OutgoingMail.recipient == address)).all()
            )

    assert (mails_to(user.email), mails_to(other.email)) == (1, 1)
    done = client.delete("/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers)
    assert done.status_code == 204
    assert (mails_to(user.email), mails_to(other.email)) == (0, 1)
    with app.app_context():
        assert all(b"Gone Soon" not in m for m in db.session.scalars(select(OutgoingMail.message)))


def test_a_deleted_accounts_update_starts_its_line_with_a_capital(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_user: Callable[..., Any],
    make_issue: Callable[..., Any],
) -> None:
    """Found from outside: the timeline read "a former resident" in lower case, and a missing name "A former
    user": two labels for one case."""
    leaver = make_user(display_name="Leaving Soon")
    issue = make_issue()
    with app.app_context():
        db.session.add(IssueEvent(issue_id=issue.id, actor_id=leaver.id, kind="update", note="Still broken"))
        db.session.commit()
    headers = auth.headers(leaver)
    assert (
        client.delete(
            "/api/v1/account", json={"password": factories.DEFAULT_PASSWORD}, headers=headers
        ).status_code
        == 204
    )

    page = client.get(f"/issues/{issue.id}").get_data(as_text=True)

    assert "<strong>A former resident</strong>" in page
    assert "Leaving Soon" not in page
