"""A small ledger for the hash-chain tests: a pool with two confirmed pledges and three city matches."""

from __future__ import annotations

from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.extensions import db
from app.models import LedgerPosting
from app.services.funding import ledger
from tests.funding_fixtures import Funding, GroupRef


def post_match(pool_id: int, cents: int) -> None:
    lines = [(ledger.CITY_MATCH, -cents), (ledger.available_account(pool_id), cents)]
    ledger.post(db.session, ledger.PostingKind.MATCH, "City match", lines, pool_id)


def money_world(funding: Funding) -> tuple[GroupRef, list[int]]:
    """A pool with two confirmed pledges and three matches: five postings, chained in order."""
    ref = funding.group()
    funding.pledge(ref, funding.member(ref), 1500)
    funding.pledge(ref, funding.member(ref), 900)
    for cents in (1000, 2000, 3000):
        with funding.app.app_context():
            post_match(ref.pool_id, cents)
            db.session.commit()
    with funding.app.app_context():
        ids = list(db.session.scalars(select(LedgerPosting.id).order_by(LedgerPosting.id)))
    assert len(ids) == 5
    return ref, ids


def check(runner: FlaskCliRunner) -> tuple[int, str]:
    result = runner.invoke(args=["ledger-check"])
    return result.exit_code, result.output
