"""A round's pro-rata refund, part by part, where the people who move the money read it.

Found from outside, as a treasurer: a round refunded its leftover and the ledger split it to the cent
(`resident:<id>` and `city:match` lines), yet the treasurer page showed only "Refunded EUR 13.01" and
the public pages only pseudonyms, so the treasurer, who holds the pledged cash, could not tell whom to
hand back what; and a pledger's own list said "Confirmed" with no word of the money owed back. Now
the treasurer page lists each part by name (the city's too) and each pledger sees their own part."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import LedgerLine, LedgerPosting
from app.services.funding import pool_refunds
from budgets.accounts import CITY_MATCH, resident_account
from budgets.money import format_money
from tests.conftest import AuthActions
from tests.funding.round_world import RoundWorld, world  # noqa: F401
from tests.funding_fixtures import funding  # noqa: F401


def refund_lines(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(LedgerLine.account, LedgerLine.amount_cents)
            .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
            .where(LedgerPosting.kind == "refund", LedgerLine.amount_cents > 0)
        ).tuples()
        return dict(rows.all())


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_treasurer_and_each_pledger_read_the_parts_of_a_refund(
    app: Flask, client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    world.build(members=3, pledges=(1000, 1000, 1001), costs=(2000,))
    assert world.ref is not None
    assert world.admin is not None
    rid = world.create(
        by=world.official,
        name="Autumn round",
        rule="greedy",
        leftover="refund",
        match_ratio="1:10",
        match_cap_cents=1000,
    )["id"]
    world.open_voting(rid)
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[world.issues[0]]).status_code == 200
    certified = world.tally_and_certify(rid)
    assert certified["leftover_cents"] == 3001 + 300 - 2000

    lines = refund_lines(app)
    assert sum(lines.values()) == certified["leftover_cents"]
    owed = {member.display_name: lines[resident_account(member.id)] for member in world.members}

    auth.login(world.admin.email)
    page = text(client.get(f"/pools/{world.ref.pool_id}/treasurer").get_data(as_text=True))
    assert "Refunds to hand back" in page
    for name, cents in owed.items():
        assert f"{name} {format_money(cents, 'EUR')}" in page
    assert f"{pool_refunds.CITY} {format_money(lines[CITY_MATCH], 'EUR')}" in page
    assert "Autumn round" in page

    pledger = world.members[2]
    auth.logout()
    auth.login(pledger.email)
    mine = text(client.get(f"/groups/{world.ref.group_id}").get_data(as_text=True))
    assert "Refunded to you" in mine
    assert f"{format_money(owed[pledger.display_name], 'EUR')} · after the round “Autumn round”" in mine
    # Only their own part: nobody else's amount is listed as theirs.
    assert mine.count(" · after the round ") == 1

    with app.app_context():
        parts = pool_refunds.pool_refunds(db.session, world.ref.pool_id)
    assert sum(p.amount_cents for p in parts) == certified["leftover_cents"]
    assert [p.user_id for p in parts][-1] is None  # the city's part comes last


def test_a_pool_that_never_refunded_shows_no_refund_section(
    client: FlaskClient, auth: AuthActions, world: RoundWorld
) -> None:
    world.build(members=2, pledges=(1000,))
    assert world.ref is not None
    assert world.admin is not None
    auth.login(world.admin.email)
    page = client.get(f"/pools/{world.ref.pool_id}/treasurer").get_data(as_text=True)
    assert "Refunds to hand back" not in page
    auth.logout()
    auth.login(world.members[0].email)
    assert "Refunded to you" not in client.get(f"/groups/{world.ref.group_id}").get_data(as_text=True)


def refunded_world(world: RoundWorld) -> None:
    """Three members and the treasurer pledge; the round "Autumn round" funds one problem and refunds
    the rest of the pool."""
    world.build(members=3, pledges=(1000, 1000, 1001), costs=(2000,))
    assert world.ref is not None
    assert world.admin is not None
    world.funding.pledge(world.ref, world.admin, 500)  # the treasurer pledges too
    rid = world.create(by=world.official, name="Autumn round", rule="greedy", leftover="refund")["id"]
    world.open_voting(rid)
    for member in world.members:
        assert world.vote(member, rid, issue_ids=[world.issues[0]]).status_code == 200
    world.tally_and_certify(rid)


def test_each_pledger_is_mailed_their_part_of_a_refund_once(app: Flask, world: RoundWorld, outbox) -> None:
    """Found from outside: a round refunded EUR 175.00 to seven pledgers and none of them was told."""
    refunded_world(world)
    assert world.ref is not None
    assert world.admin is not None

    lines = refund_lines(app)
    for member in world.members:
        part = format_money(lines[resident_account(member.id)], "EUR")
        [told] = [m for m in outbox() if m["To"] == member.email and "comes back" in m["Subject"]]
        assert told["Subject"].startswith(f"{part} of your pledges comes back from ")
        words = " ".join(told.get_content().split())
        assert "The round “Autumn round” of " in words
        assert f"{part} of it is yours, your share of what you pledged." in words
        assert (
            "Your part is listed under Refunded to you on My Commonfix: http://localhost/account#money"
            in words
        )
        assert "The treasurer (Group Admin) hands it back to you." in words
    # The treasurer's own part: not "The treasurer (their own name) hands it back to you".
    [own] = [m for m in outbox() if m["To"] == world.admin.email and "comes back" in m["Subject"]]
    own_words = " ".join(own.get_content().split())
    assert "As a treasurer, you hold the pool's money: take your part back from it." in own_words
    assert "(Group Admin)" not in own_words
