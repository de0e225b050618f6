"""A pledger who left the group still reads their own refund part and their pledges to its pool.

Found from outside: a round refunded its leftover part by part and each pledger read their own part
under "Your pledges" on the group page; but that list was shown to members only, so a pledger who had
left the group lost the one place saying what the treasurer owed them. Now the group page shows a
former member their pledges and refund parts (with no pledge form and no member rights), and My
Commonfix (page and API) lists every refund part of theirs, whatever groups they belong to."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import io
import json
import re
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import LedgerLine, LedgerPosting
from budgets.accounts import resident_account
from budgets.money import format_money
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def refunded_round(world: RoundWorld) -> int:
    """Three members pledged; a round spent part of the pool and refunded the rest pro rata."""
    world.build(members=3, pledges=(1000, 1000, 1001), costs=(2000,))
    rid = world.create(by=world.official, name="Autumn round", rule="greedy", leftover="refund")["id"]
    world.open_voting(rid)
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[world.issues[0]]).status_code == 200
    world.tally_and_certify(rid)
    return rid


def part_of(app: Flask, user_id: int) -> int:
    with app.app_context():
        return int(
            db.session.scalar(
                select(LedgerLine.amount_cents)
                .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
                .where(LedgerPosting.kind == "refund", LedgerLine.account == resident_account(user_id))
            )
            or 0
        )


def test_a_former_member_reads_their_refund_part_and_pledges_on_the_group_page(
    app: Flask, client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    refunded_round(world)
    assert world.ref is not None
    leaver = world.members[2]
    owed = part_of(app, leaver.id)
    assert owed > 0
    headers = world.headers(leaver)  # a token asked for before the cookie login
    auth.login_as(leaver)
    assert client.post(f"/groups/{world.ref.group_id}/leave").status_code == 302

    page = client.get(f"/groups/{world.ref.group_id}").get_data(as_text=True)
    words = text(page)

    assert "Your pledges" in words
    assert "Refunded to you" in words
    assert f"{format_money(owed, 'EUR')} · after the round “Autumn round”" in words
    assert words.count(" · after the round ") == 1  # their own part only
    assert 'data-pledge-status="confirmed"' in page  # their pledge history in that pool
    assert "You are not a member of this group" in words
    # No member rights come back: no pledge form, no leave button; joining is offered as to anyone.
    assert f'action="/groups/{world.ref.group_id}/pledge"' not in page
    assert f'action="/groups/{world.ref.group_id}/leave"' not in page
    assert f'action="/groups/{world.ref.group_id}/join"' in page
    auth.logout()  # the API with a bearer token, not the browser's cookie session
    refused = client.post(
        f"/api/v1/pools/{world.ref.pool_id}/pledges",
        json={"amount_cents": 500},
        headers={**headers, "Idempotency-Key": "after-leaving"},
    )
    assert refused.status_code == 403


def test_my_commonfix_lists_every_refund_part_of_mine_after_leaving(
    app: Flask, client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    refunded_round(world)
    assert world.ref is not None
    leaver = world.members[0]
    owed = part_of(app, leaver.id)
    headers = world.headers(leaver)
    group = client.get(f"/api/v1/groups/{world.ref.group_id}").get_json()["name"]
    assert client.delete(f"/api/v1/groups/{world.ref.group_id}/members", headers=headers).status_code == 200

    auth.login_as(leaver)
    words = text(client.get("/account").get_data(as_text=True))
    assert "Refunded to you" in words
    assert f"{format_money(owed, 'EUR')} from {group}" in words
    assert "after the round “Autumn round”" in words

    archive = zipfile.ZipFile(io.BytesIO(client.post("/account/export").data))
    exported = json.loads(archive.read("data.json"))["refunds"]
    assert [(r["group_id"], r["amount_cents"], r["round"]) for r in exported] == [
        (world.ref.group_id, owed, "Autumn round")
    ]
    assert "  refunds" in archive.read("README.txt").decode()

    mine = client.get("/api/v1/account", headers=headers).get_json()
    assert mine["groups"] == []
    assert [(r["group_id"], r["amount_cents"], r["currency"], r["round"]) for r in mine["refunds"]] == [
        (world.ref.group_id, owed, "EUR", "Autumn round")
    ]


def test_nobody_else_reads_a_refund_part_that_is_not_theirs(
    app: Flask, client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    refunded_round(world)
    assert world.ref is not None
    outsider = world.funding.member(world.funding.group(area="Riverside"))
    headers = world.headers(outsider)
    auth.login_as(outsider)

    words = text(client.get(f"/groups/{world.ref.group_id}").get_data(as_text=True))
    assert "Refunded to you" not in words
    assert "Your pledges" not in words
    assert "Refunded to you" not in text(client.get("/account").get_data(as_text=True))
    assert client.get("/api/v1/account", headers=headers).get_json()["refunds"] == []
