"""The money flow as the pages computed it before the database summed it: every ledger line read into
Python and added up one by one, each account told apart by budgets.accounts' readers (regular
expressions and prefixes, not the LIKE patterns the aggregate uses). The oracle of
test_money_flow_sums.py and the "before" of bench.money_flow_bench."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.database.sessions import DbSession
from app.services.funding import money_flow, money_trail
from app.services.funding.money_flow import Flow
from app.services.funding.money_trail import FundedProblem, LineRow
from budgets.accounts import (
    CITY_MATCH,
    PostingKind,
    escrow_of_account,
    is_payee_account,
    is_resident_account,
    issue_of_account,
    pool_of_account,
)


def flow_of_lines(
    rows: Iterable[LineRow], pool_id: int | None = None, pool_problems: Sequence[FundedProblem] | None = None
) -> Flow:
    """The flow of these lines (money_trail.flow as it was). With `pool_id`, the lines are that pool's
    and `pool_problems` (funded_problems of the pool) give its share of its problems' payouts and
    returns."""
    out = Flow()
    for row in rows:
        cents, account, kind = row.amount_cents, row.account, row.kind
        if kind in (PostingKind.PLEDGE, PostingKind.BACKING) and cents < 0 and is_resident_account(account):
            out.from_residents -= cents
        elif kind in (PostingKind.MATCH, PostingKind.QF_MATCH) and account == CITY_MATCH:
            out.from_city -= cents
        elif kind in (PostingKind.ALLOCATION, PostingKind.COMMIT) and issue_of_account(account) is not None:
            out.committed += cents
        elif kind == PostingKind.PAYOUT and is_payee_account(account):
            out.paid += cents
        elif kind == PostingKind.RETURN and cents > 0:
            out.returned += cents
        elif (
            kind in (PostingKind.REFUND, PostingKind.UNBACK)
            and cents > 0
            and pool_of_account(account) is None
        ):
            out.refunded += cents
        owner = pool_of_account(account)
        if owner is not None and (pool_id is None or owner == pool_id):
            out.in_pools += cents
        elif escrow_of_account(account) is not None:
            out.in_escrow += cents
        elif issue_of_account(account) is not None and pool_problems is None:
            out.unpaid += cents
    if pool_problems is not None:
        out.paid = sum(p.paid_cents for p in pool_problems)
        out.returned = sum(p.returned_cents for p in pool_problems)
        out.unpaid = out.committed - out.paid - out.returned
    return out


def city_flow(session: DbSession) -> tuple[Flow, int]:
    """The city page's flow and its count of postings, from every line of the ledger."""
    rows = list(money_trail.streamed_city_lines(session))
    out = flow_of_lines(rows)
    moved = money_flow.moved_backings_cents(session)  # as the page takes them out
    out.from_residents -= moved
    out.refunded -= moved
    return out, len({r.posting_id for r in rows})


def pool_flow(session: DbSession, pool_id: int, problems: Sequence[FundedProblem]) -> Flow:
    """A pool page's flow, from the pool's lines."""
    return flow_of_lines(list(money_trail.streamed_pool_lines(session, pool_id)), pool_id, problems)
