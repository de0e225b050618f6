"""The pool ledger: post balanced money movements, derive pool balances, and the tally helpers for rounds.

The chart of accounts and the posting kinds live in budgets/accounts.py (imported here, so
`ledger.CITY_MATCH` and `ledger.PostingKind` read as before).

Outflows draw from `rollover` first, then from `available`, so money carried over is spent first.
Pending pledges are not money yet: they live in the pledges table only and reach the ledger when
confirmed. Balances are always derived by summing lines; nothing stores a running total.
Nothing here updates or deletes a ledger row (see app/models/ledger.py and tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, or_, select, update

from app.database.row_locks import lock_row
from app.database.sessions import DbSession, execute_write
from app.models.funding import Pledge, PledgeStatus, Pool
from app.models.issue import Issue
from app.models.ledger import LedgerLine, LedgerPosting
from app.services.funding import ledger_chain
from app.services.kernel.errors import NotFound, ValidationError
from budgets.accounts import (
    CITY_MATCH,
    ISSUE_PREFIX,
    POOL_PREFIX,
    RESIDENT_PREFIX,
    PostingKind,
    available_account,
    escrow_account,
    escrow_of_account,
    issue_account,
    issue_of_account,
    pool_of_account,
    resident_account,
    rollover_account,
)
from budgets.ledger import LedgerError, Line, largest_remainder_split, validate_lines

__all__ = [
    "CITY_MATCH",
    "PostingKind",
    "available_account",
    "escrow_account",
    "issue_account",
    "resident_account",
    "rollover_account",
]


@dataclass(frozen=True)
class PoolBalance:
    """A pool's money, derived from the ledger (and, for pending, from the pledges table).

    confirmed_cents   confirmed pledges ever posted to the pool
    pending_cents     pledges awaiting a treasurer's confirmation (not yet money)
    matched_cents     the city's matching money ever posted
    allocated_cents   money allocated to issues by tallies
    refunded_cents    money returned to pledgers and the city
    rolled_over_cents money carried over from tallied rounds and not yet spent
    balance_cents     what the pool holds now (available + rolled over); what the next tally may spend
    returned_cents    funded problems' unspent money given back to the pool (kind return)
    Always: confirmed + matched + returned = allocated + refunded + balance.
    """

    currency: str
    confirmed_cents: int
    pending_cents: int
    matched_cents: int
    allocated_cents: int
    refunded_cents: int
    rolled_over_cents: int
    balance_cents: int
    returned_cents: int = 0


def post(
    session: DbSession,
    kind: str,
    memo: str,
    lines: Iterable[tuple[str, int]],
    pool_id: int | None,
    round_id: int | None = None,
    pledge_id: int | None = None,
    *,
    issue_id: int | None = None,
    backing_id: int | None = None,
) -> LedgerPosting:
    """Append one posting with its lines (account, cents); flush; return it.

    A pool's posting passes `pool_id`; a problem's own money (escrow, funded) passes `issue_id` (both
    when money moves between them). Postings are serialised per pool and per issue.
    Raises ValidationError if the lines do not sum to zero, an amount is not an int, a line is zero,
    a line names another pool's account, takes money out of another issue's account, or a pool or
    issue account would go negative. Never commits.
    """
    merged: dict[str, int] = {}
    for account, cents in lines:
        if type(cents) is not int:
            raise ValidationError(f"{account}: amounts are whole cents, not {cents!r}.", "amount_cents")
        merged[account] = merged.get(account, 0) + cents
    checked = [Line(a, c) for a, c in merged.items() if c != 0]
    try:
        validate_lines(checked)
    except LedgerError as exc:
        raise ValidationError(f"Unbalanced posting: {exc}.", "lines") from None
    for line in checked:
        if line.account.startswith(POOL_PREFIX) and pool_of_account(line.account) != pool_id:
            raise ValidationError(f"{line.account} is not an account of pool {pool_id}.", "lines")
        # Money leaves an issue's account only in that issue's posting (so its lock guards the balance).
        if (
            line.amount_cents < 0
            and line.account.startswith(ISSUE_PREFIX)
            and _issue_of(line.account) != issue_id
        ):
            raise ValidationError(f"{line.account} is not an account of issue {issue_id}.", "lines")
    if pool_id is not None:
        lock_pool(session, pool_id)
    if issue_id is not None:
        lock_issue_money(session, issue_id)
    for line in checked:
        owned = pool_of_account(line.account) is not None or _issue_of(line.account) is not None
        if owned and line.amount_cents < 0 and account_balance(session, line.account) + line.amount_cents < 0:
            raise ValidationError(f"{line.account} holds too little for this posting.", "amount_cents")
    posting = LedgerPosting(
        kind=kind,
        memo=memo[:200],
        pool_id=pool_id,
        issue_id=issue_id,
        round_id=round_id,
        pledge_id=pledge_id,
        backing_id=backing_id,
    )
    session.add(posting)
    session.flush()
    session.execute(
        insert(LedgerLine),
        [
            {"posting_id": posting.id, "account": ln.account, "amount_cents": ln.amount_cents}
            for ln in checked
        ],
    )
    ledger_chain.note_posting(session, posting, [(ln.account, ln.amount_cents) for ln in checked])
    return posting


def _issue_of(account: str) -> int | None:
    """The issue of an issue:<id>:funded or issue:<id>:escrow account, else None."""
    found = issue_of_account(account)
    return found if found is not None else escrow_of_account(account)


def lock_issue_money(session: DbSession, issue_id: int) -> None:
    """Serialise postings of one issue's money: its row is locked until the transaction ends."""
    if not lock_row(session, Issue.id, issue_id, untriggered=Issue.updated_at):
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")


def lock_pool(session: DbSession, pool_id: int) -> None:
    """Serialise postings of one pool: a row lock on PostgreSQL; SQLite's writer lock does the rest.

    A no-op write (is_open = is_open) takes the lock on both engines without a read-then-upgrade.
    """
    found = execute_write(
        session, update(Pool).where(Pool.id == pool_id).values(is_open=Pool.is_open)
    ).rowcount
    if not found:
        raise NotFound(f"There is no pool {pool_id}.", "pool_id")


def account_balance(session: DbSession, account: str) -> int:
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerLine.amount_cents), 0)).where(LedgerLine.account == account)
        )
        or 0
    )


def _kind_totals(session: DbSession, pool_id: int) -> dict[str, int]:
    """Per posting kind, the money that crossed the pool's boundary (sum of its non-pool lines)."""
    rows = session.execute(
        select(LedgerPosting.kind, func.sum(LedgerLine.amount_cents))
        .join(LedgerLine, LedgerLine.posting_id == LedgerPosting.id)
        .where(LedgerPosting.pool_id == pool_id, ~LedgerLine.account.startswith(POOL_PREFIX))
        .group_by(LedgerPosting.kind)
    ).tuples()
    return {kind: int(total or 0) for kind, total in rows}


def pool_balance(session: DbSession, pool_id: int) -> PoolBalance:
    """The pool's figures, summed from its ledger lines (pending from the pledges table)."""
    currency = session.scalar(select(Pool.currency).where(Pool.id == pool_id))
    if currency is None:
        raise NotFound(f"There is no pool {pool_id}.", "pool_id")
    totals = _kind_totals(session, pool_id)
    held = pool_holdings(session, [pool_id])[pool_id]
    return PoolBalance(
        currency=currency,
        confirmed_cents=-totals.get(PostingKind.PLEDGE, 0),
        pending_cents=held.pending_cents,
        matched_cents=-totals.get(PostingKind.MATCH, 0),
        allocated_cents=totals.get(PostingKind.ALLOCATION, 0),
        refunded_cents=totals.get(PostingKind.REFUND, 0),
        rolled_over_cents=account_balance(session, rollover_account(pool_id)),
        balance_cents=held.balance_cents,
        returned_cents=-totals.get(PostingKind.RETURN, 0),
    )


@dataclass(frozen=True)
class PoolHoldings:
    """What a list of pools shows for each: what it holds now (available + rolled over) and pending."""

    balance_cents: int
    pending_cents: int


def pool_holdings(session: DbSession, pool_ids: Sequence[int]) -> dict[int, PoolHoldings]:
    """What each pool holds now (available + rolled over) and its pending pledges, in two queries for
    any number of pools (`pool_balance` reads its own through this; the groups list, every pool's)."""
    accounts = {
        account: pool_id
        for pool_id in pool_ids
        for account in (available_account(pool_id), rollover_account(pool_id))
    }
    held = dict.fromkeys(pool_ids, 0)
    if accounts:
        for account, total in session.execute(
            select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
            .where(LedgerLine.account.in_(list(accounts)))
            .group_by(LedgerLine.account)
        ).tuples():
            held[accounts[account]] += int(total or 0)
    pending = dict.fromkeys(pool_ids, 0)
    if pool_ids:
        for pool_id, total in session.execute(
            select(Pledge.pool_id, func.sum(Pledge.amount_cents))
            .where(Pledge.pool_id.in_(list(pool_ids)), Pledge.status == PledgeStatus.PENDING.value)
            .group_by(Pledge.pool_id)
        ).tuples():
            pending[pool_id] = int(total or 0)
    return {pool_id: PoolHoldings(held[pool_id], pending[pool_id]) for pool_id in pool_ids}


def _draw(session: DbSession, pool_id: int, cents: int, field: str) -> list[tuple[str, int]]:
    """Lines taking `cents` out of the pool: from the rollover account first, then available."""
    if type(cents) is not int or cents < 0:
        raise ValidationError(f"{field} must be a whole, non-negative number of cents.", field)
    lock_pool(session, pool_id)
    rolled = account_balance(session, rollover_account(pool_id))
    available = account_balance(session, available_account(pool_id))
    if cents > rolled + available:
        raise ValidationError(f"The pool holds {rolled + available} cents; it cannot pay out {cents}.", field)
    from_rollover = min(rolled, cents)
    return [
        (rollover_account(pool_id), -from_rollover),
        (available_account(pool_id), -(cents - from_rollover)),
    ]


def post_allocation(
    session: DbSession, pool_id: int, round_id: int, allocations: Sequence[tuple[int, int]]
) -> LedgerPosting | None:
    """Post a round's allocation: [(issue_id, cents)], paid from the pool (rollover first).

    One posting for the whole allocation; entries with 0 cents are skipped; None if nothing to post.
    Raises ValidationError if the total exceeds the pool's balance or an amount is negative.
    """
    paid: list[tuple[str, int]] = []
    for issue_id, cents in allocations:
        if type(cents) is not int or cents < 0:
            raise ValidationError(
                f"Issue {issue_id}: {cents!r} is not a whole, non-negative number of cents.", "allocations"
            )
        if cents:
            paid.append((issue_account(issue_id), cents))
    total = sum(c for _, c in paid)
    if total == 0:
        return None
    lines = _draw(session, pool_id, total, "allocations") + paid
    return post(session, PostingKind.ALLOCATION, f"Round {round_id} allocation", lines, pool_id, round_id)


def refund_weights(session: DbSession, pool_id: int) -> list[tuple[str, int]]:
    """Each source's net contribution to the pool: residents' and the city's, minus earlier refunds."""
    rows = session.execute(
        select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
        .join(LedgerPosting, LedgerLine.posting_id == LedgerPosting.id)
        .where(
            LedgerPosting.pool_id == pool_id,
            or_(LedgerLine.account.startswith(RESIDENT_PREFIX), LedgerLine.account == CITY_MATCH),
        )
        .group_by(LedgerLine.account)
        .order_by(LedgerLine.account)
    ).tuples()
    return [(account, -int(total)) for account, total in rows if -int(total) > 0]


def post_refunds(
    session: DbSession, pool_id: int, round_id: int, leftover_cents: int
) -> LedgerPosting | None:
    """Return `leftover_cents` to where the pool's money came from, pro rata, exact to the cent.

    Sources are each pledger (their confirmed pledges minus what was refunded to them) and the city
    (its matches minus match refunds). The split is largest-remainder over those weights, ties to the
    lower account name, so the parts always sum to `leftover_cents`. One posting; None if 0.
    Raises ValidationError if leftover exceeds the balance.
    """
    lines = _draw(session, pool_id, leftover_cents, "leftover_cents")
    if leftover_cents == 0:
        return None
    shares = largest_remainder_split(leftover_cents, refund_weights(session, pool_id))
    return post(session, PostingKind.REFUND, f"Round {round_id} refund", lines + shares, pool_id, round_id)


def post_rollover(
    session: DbSession, pool_id: int, round_id: int, leftover_cents: int
) -> LedgerPosting | None:
    """Carry `leftover_cents` over to the next round: afterwards pool:<id>:rollover holds at least it.

    Moves what is missing from pool:<id>:available into pool:<id>:rollover; None if nothing moves.
    Raises ValidationError if leftover exceeds the balance.
    """
    if type(leftover_cents) is not int or leftover_cents < 0:
        raise ValidationError(
            "leftover_cents must be a whole, non-negative number of cents.", "leftover_cents"
        )
    lock_pool(session, pool_id)
    rolled = account_balance(session, rollover_account(pool_id))
    available = account_balance(session, available_account(pool_id))
    if leftover_cents > rolled + available:
        raise ValidationError(
            f"The pool holds {rolled + available} cents; it cannot carry over {leftover_cents}.",
            "leftover_cents",
        )
    move = leftover_cents - rolled
    if move <= 0:
        return None
    lines = [(available_account(pool_id), -move), (rollover_account(pool_id), move)]
    memo = f"Round {round_id} leftover carried over"
    return post(session, PostingKind.ROLLOVER, memo, lines, pool_id, round_id)
