"""The pages' money flow is summed by the database (money_flow) and equals the flow of every line added
up in Python (tests/funding/line_by_line_flow.py), city-wide and for each pool, on a ledger holding
every kind of posting the app makes: pledges (one of them a backing moved to a pool), matches,
allocations from the pool and from its rollover, rollovers, refunds, backings, quadratic matches,
commits, unbackings (to residents, the city and a pool), payouts and returns, over three pools and
problems funded by one pool, two pools, and pools and backers together. Both engines."""

# ruff: noqa: F811  (fixtures are imported, then requested by name)

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import astuple, fields

from flask import Flask
from sqlalchemy import select

from app.extensions import db
from app.models import Issue, LedgerPosting, User
from app.models.timestamps import utcnow
from app.services.funding import ledger, money_flow, money_trail, payouts
from budgets.accounts import (
    CITY_MATCH,
    PostingKind,
    available_account,
    escrow_account,
    issue_account,
    resident_account,
)
from tests.funding import line_by_line_flow
from tests.funding_fixtures import Funding, GroupRef, funding  # noqa: F401

ROUND = 1  # allocations, rollovers and refunds name a round; the flow does not read it


def post(kind: str, lines: list[tuple[str, int]], pool_id: int | None, issue_id: int | None = None) -> None:
    ledger.post(db.session, kind, kind, lines, pool_id, ROUND, issue_id=issue_id)


def back(user_id: int, issue_id: int, cents: int) -> None:
    post(
        PostingKind.BACKING,
        [(resident_account(user_id), -cents), (escrow_account(issue_id), cents)],
        None,
        issue_id,
    )


def pay(official: User, issue_id: int, cents: int) -> None:
    payouts.record_payout(
        db.session,
        official,
        payouts.parse_payout(
            official,
            issue_id,
            payee_kind="contractor",
            payee_name="Kerb & Co",
            amount_cents=cents,
            invoice_ref=f"INV-{issue_id}-{cents}",
            paid_on=utcnow().date().isoformat(),
        ),
    )
    # One payout a transaction, as a request makes: a second one's savepoint would find the first's mail
    # queued and deliver it in the middle of the transaction (on SQLite, waiting for its own lock).
    db.session.commit()


def varied_ledger(
    app: Flask, funding: Funding, make_issue: Callable[..., Issue], make_user: Callable[..., User]
) -> list[GroupRef]:
    """Three pools' money through every posting kind; returns the pools."""
    rng = random.Random(18)
    pools = [funding.group("Old Town"), funding.group("Riverside"), funding.group("Old Town")]
    for ref in pools:
        for member in [funding.member(ref) for _ in range(3)]:
            for _ in range(2):
                funding.pledge(ref, member, rng.randrange(500, 5000))
    backers = [make_user() for _ in range(3)]
    official_id = make_user(role="official").id
    issues = [make_issue().id for _ in range(7)]
    alone, shared, backed, settled, open_campaign, unbacked, moved = issues
    with app.app_context():
        official = db.session.get(User, official_id)
        assert official is not None
        first, second, third = (ref.pool_id for ref in pools)
        for pool_id in (first, second, third):
            post(PostingKind.MATCH, [(CITY_MATCH, -1500), (available_account(pool_id), 1500)], pool_id)
        ledger.post_rollover(db.session, first, ROUND, 2000)
        ledger.post_allocation(db.session, first, ROUND, [(alone, 2500), (shared, 1800), (backed, 1200)])
        ledger.post_allocation(db.session, second, ROUND, [(shared, 2200), (settled, 999)])
        ledger.post_refunds(db.session, second, ROUND, 1001)
        ledger.post_refunds(db.session, third, ROUND, 777)
        # Backed campaigns: funded (with the city's quadratic match), still running, not funded.
        for issue_id in (backed, settled, open_campaign, unbacked):
            for backer in backers:
                back(backer.id, issue_id, rng.randrange(100, 900))
        for issue_id in (backed, settled):
            post(PostingKind.QF_MATCH, [(CITY_MATCH, -400), (escrow_account(issue_id), 400)], None, issue_id)
            held = ledger.account_balance(db.session, escrow_account(issue_id))
            commit = [(escrow_account(issue_id), -held), (issue_account(issue_id), held)]
            post(PostingKind.COMMIT, commit, None, issue_id)
        post(PostingKind.QF_MATCH, [(CITY_MATCH, -300), (escrow_account(unbacked), 300)], None, unbacked)
        held = ledger.account_balance(db.session, escrow_account(unbacked))
        to_pool = 150
        refunds = [(resident_account(b.id), 100) for b in backers]
        unback = [(escrow_account(unbacked), -held), *refunds, (available_account(third), to_pool)]
        unback.append((CITY_MATCH, held - to_pool - 100 * len(backers)))
        post(PostingKind.UNBACK, unback, third, unbacked)
        # A backing moved to a pool: back, unback to the resident, pledged to the pool as moved money.
        back(backers[0].id, moved, 650)
        post(
            PostingKind.UNBACK,
            [(escrow_account(moved), -650), (resident_account(backers[0].id), 650)],
            None,
            moved,
        )
        post(
            PostingKind.PLEDGE,
            [(resident_account(backers[0].id), -650), (available_account(first), 650)],
            first,
        )
        # Payouts: in part, in whole, and in part then the remainder returned to every source.
        db.session.commit()
        pay(official, alone, 1000)
        pay(official, shared, 1234)
        pay(official, backed, 1500)
        payouts.return_remainder(db.session, official, shared)
        payouts.return_remainder(db.session, official, backed)
        db.session.commit()
        pay(official, settled, ledger.account_balance(db.session, issue_account(settled)))
        # The first pool spends its rollover, then what came back.
        ledger.post_allocation(db.session, first, ROUND + 1, [(settled, 500)])
        ledger.post_rollover(db.session, first, ROUND + 1, 300)  # and carries some over, held at the end
        db.session.commit()
        kinds = set(db.session.scalars(select(LedgerPosting.kind).distinct()))
    made = {value for name, value in vars(PostingKind).items() if name.isupper()}
    assert kinds == made, made - kinds
    return pools


def test_the_summed_flow_is_the_flow_of_every_line(
    app: Flask, funding: Funding, make_issue: Callable[..., Issue], make_user: Callable[..., User]
) -> None:
    pools = varied_ledger(app, funding, make_issue, make_user)
    with app.app_context():
        expected, postings = line_by_line_flow.city_flow(db.session)
        assert money_flow.city_flow(db.session) == expected
        assert money_trail.posting_count(db.session) == postings
        # Every figure moved, so a line put in the wrong class shows.
        assert all(astuple(expected)), [f.name for f in fields(expected) if not getattr(expected, f.name)]
        for ref in pools:
            problems = money_trail.funded_problems(db.session, ref.pool_id)
            expected = line_by_line_flow.pool_flow(db.session, ref.pool_id, problems)
            assert money_flow.pool_flow(db.session, ref.pool_id, problems) == expected, ref
            assert all((expected.in_pools, expected.from_residents)), ref


def test_an_empty_ledger_has_an_empty_flow(app: Flask, funding: Funding) -> None:
    ref = funding.group()
    with app.app_context():
        assert money_flow.city_flow(db.session) == money_flow.Flow()
        assert money_flow.pool_flow(db.session, ref.pool_id, []) == money_flow.Flow()
        assert money_trail.posting_count(db.session) == 0
