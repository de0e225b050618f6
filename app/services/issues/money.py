"""A funded problem's money, read from the ledger: committed, paid, returned, remaining, and its payouts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.models import LedgerLine, LedgerPosting, Payout, Pool
from budgets.accounts import PostingKind, issue_account, issue_of_account

# Backings and the city's match are in the city's currency; a round's money in its pool's.
CITY_CURRENCY = "EUR"


@dataclass(frozen=True)
class PayoutRow:
    id: int
    payee_kind: str
    payee_name: str
    amount_cents: int
    invoice_ref: str
    paid_on: date
    posting_id: int | None


@dataclass
class IssueMoney:
    """What issue:<i>:funded received and where it went. Always: committed = paid + returned + remaining."""

    issue_id: int
    committed_cents: int = 0  # allocated by rounds and committed from backings, all told
    paid_cents: int = 0
    returned_cents: int = 0
    remaining_cents: int = 0  # committed, neither paid nor returned yet
    currency: str = CITY_CURRENCY
    payouts: list[PayoutRow] = field(default_factory=list)

    @property
    def funded(self) -> bool:
        return self.committed_cents > 0


def money_of_issues(session: DbSession, issue_ids: Iterable[int]) -> dict[int, IssueMoney]:
    """Each issue's figures (issues that never held money get zeros), with its payouts in order."""
    wanted = sorted(set(issue_ids))
    result = {i: IssueMoney(i) for i in wanted}
    if not wanted:
        return result
    rows = session.execute(
        select(LedgerLine.account, LedgerPosting.kind, func.sum(LedgerLine.amount_cents))
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerLine.account.in_([issue_account(i) for i in wanted]))
        .group_by(LedgerLine.account, LedgerPosting.kind)
    ).tuples()
    for account, kind, total in rows:
        issue_id = issue_of_account(account)
        if issue_id is None:
            continue
        money, cents = result[issue_id], int(total or 0)
        money.remaining_cents += cents
        if kind == PostingKind.PAYOUT:
            money.paid_cents -= cents
        elif kind == PostingKind.RETURN:
            money.returned_cents -= cents
        else:
            money.committed_cents += cents
    for account, currency in session.execute(
        select(LedgerLine.account, Pool.currency)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .join(Pool, Pool.id == LedgerPosting.pool_id)
        .where(LedgerLine.account.in_([issue_account(i) for i in wanted]))
        .distinct()
    ).tuples():
        issue_id = issue_of_account(account)
        if issue_id is not None:
            result[issue_id].currency = currency
    for row in session.execute(
        select(
            Payout.issue_id,
            Payout.id,
            Payout.payee_kind,
            Payout.payee_name,
            Payout.amount_cents,
            Payout.invoice_ref,
            Payout.paid_on,
            Payout.posting_id,
        )
        .where(Payout.issue_id.in_(wanted))
        .order_by(Payout.issue_id, Payout.paid_on, Payout.id)
    ).tuples():
        result[row[0]].payouts.append(PayoutRow(*row[1:]))
    return result


def money_of(session: DbSession, issue_id: int) -> IssueMoney:
    return money_of_issues(session, [issue_id])[issue_id]


def currency_of(session: DbSession, issue_id: int) -> str:
    """The currency of the issue's money: its allocating pool's, else the city's."""
    found = session.scalar(
        select(Pool.currency)
        .join(LedgerPosting, LedgerPosting.pool_id == Pool.id)
        .join(LedgerLine, LedgerLine.posting_id == LedgerPosting.id)
        .where(LedgerLine.account == issue_account(issue_id))
        .limit(1)
    )
    return found or CITY_CURRENCY


def unspent_cents(session: DbSession, issue_id: int) -> int:
    """What issue:<i>:funded holds now: committed money neither paid out nor returned."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_cents), 0)).where(
            LedgerLine.account == issue_account(issue_id)
        )
    )
    return int(total or 0)


def holding_money(session: DbSession, issue_ids: Sequence[int]) -> dict[int, int]:
    """Of `issue_ids`, those whose issue:<i>:funded holds money now, with how much: one grouped read."""
    accounts = {issue_account(i): i for i in issue_ids}
    found: dict[int, int] = {}
    for chunk in (list(accounts)[start : start + 500] for start in range(0, len(accounts), 500)):
        for account, total in session.execute(
            select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
            .where(LedgerLine.account.in_(chunk))
            .group_by(LedgerLine.account)
        ).tuples():
            if total:
                found[accounts[account]] = int(total)
    return found


def was_funded(session: DbSession, issue_id: int) -> bool:
    """True once any money was committed to the issue (a round's allocation or a funded campaign)."""
    found = session.scalar(
        select(LedgerLine.id)
        .where(LedgerLine.account == issue_account(issue_id), LedgerLine.amount_cents > 0)
        .limit(1)
    )
    return found is not None
