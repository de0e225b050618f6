"""Every cent from pledge or backing to payout: the ledger's lines for a pool or the whole city (the
line-by-line CSVs) and each funded problem's allocated, paid and remaining money (the flow they add up
to is money_flow's).

For one pool, "paid" is the pool's share of its problems' payouts: each problem's payouts times the part
of its committed money the pool allocated, rounded down to the cent (a problem may also hold backers'
money).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from app.database import keyset
from app.database.sessions import DbSession
from app.models import Issue, LedgerChainLink, LedgerLine, LedgerPosting, Pool
from app.models.timestamps import rfc3339
from app.services.funding.account_classes import is_of_class
from app.services.issues.money import CITY_CURRENCY, IssueMoney, money_of_issues
from app.services.issues.public_titles import HIDDEN_TITLE
from budgets.accounts import (
    RESIDENT_PREFIX,
    AccountClass,
    PostingKind,
    available_account,
    is_resident_account,
    issue_account,
    issue_of_account,
    rollover_account,
)
from budgets.ledger_chain import public_account

# `currency` comes last, so readers of the first seven columns keep working.
CSV_COLUMNS = ["posting_id", "kind", "time_utc", "account", "amount_cents", "issue_id", "pool_id", "currency"]


@dataclass(frozen=True)
class LineRow:
    posting_id: int
    kind: str
    created_at: datetime
    account: str
    amount_cents: int
    issue_id: int | None
    pool_id: int | None
    salt: str | None  # the posting's pseudonym salt in the hash chain (None until it is sealed)
    currency: str = CITY_CURRENCY  # the posting's pool's, else its problem's (allocating pool's or city's)

    @property
    def public_account(self) -> str:
        """The account as published: a resident as the chain's pseudonym for this posting, never the id."""
        if self.salt is None:
            return RESIDENT_PREFIX if is_resident_account(self.account) else self.account
        return public_account(self.account, self.salt)


# Ledger lines the CSVs read per keyset page, so a long ledger streams out in flat memory.
LINE_PAGE = 2000


def _lines_select(where: object | None) -> Select[tuple[Any, ...]]:
    """The lines (with what their rows need), in posting order; the line's id comes last (the cursor)."""
    stmt = (
        select(
            LedgerLine.posting_id,
            LedgerPosting.kind,
            LedgerPosting.created_at,
            LedgerLine.account,
            LedgerLine.amount_cents,
            LedgerPosting.issue_id,
            LedgerPosting.pool_id,
            LedgerChainLink.salt,
            Pool.currency,
            LedgerLine.id,
        )
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .outerjoin(LedgerChainLink, LedgerChainLink.posting_id == LedgerLine.posting_id)
        .outerjoin(Pool, Pool.id == LedgerPosting.pool_id)
        .order_by(LedgerLine.posting_id, LedgerLine.id)
    )
    if where is not None:
        stmt = stmt.where(where)  # type: ignore[arg-type]
    return stmt


def _line_rows(session: DbSession, found: Sequence[tuple[Any, ...]]) -> list[LineRow]:
    # A posting without a pool (a payout, a backing) is in its problem's currency.
    poolless = {row[5] for row in found if row[8] is None}
    of_issues = _issue_currencies(session, {issue_id for issue_id in poolless if issue_id is not None})
    rows = []
    for posting_id, kind, created_at, account, cents, issue_id, pool_id, salt, pool_currency, _ in found:
        currency = pool_currency or of_issues.get(issue_id or 0, CITY_CURRENCY)
        rows.append(
            LineRow(posting_id, kind, created_at, account, int(cents), issue_id, pool_id, salt, currency)
        )
    return rows


def _streamed_rows(session: DbSession, where: object | None) -> Iterator[LineRow]:
    """The same rows as `_rows`, read LINE_PAGE at a time after the last (posting, line) read."""
    stmt = _lines_select(where)

    def read_after(last: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        page = stmt.where(keyset.after((LedgerLine.posting_id, LedgerLine.id), last)).limit(LINE_PAGE)
        return list(session.execute(page).tuples())

    for found in keyset.pages(read_after, lambda row: (row[0], row[-1]), (0, 0), LINE_PAGE):
        yield from _line_rows(session, found)


def _issue_currencies(session: DbSession, issue_ids: set[int]) -> dict[int, str]:
    """issue id -> the currency of the pool that allocated to it (as issues.money.currency_of), for
    postings without a pool of their own (payouts, backings); problems no pool funded are absent."""
    if not issue_ids:
        return {}
    rows = session.execute(
        select(LedgerLine.account, Pool.currency)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .join(Pool, Pool.id == LedgerPosting.pool_id)
        .where(LedgerLine.account.in_([issue_account(i) for i in sorted(issue_ids)]))
        .distinct()
    ).tuples()
    found: dict[int, str] = {}
    for account, currency in rows:
        issue_id = issue_of_account(account)
        if issue_id is not None:
            found.setdefault(issue_id, currency)
    return found


def funded_by_pool(session: DbSession, pool_id: int) -> dict[int, int]:
    """issue id -> cents the pool allocated to it (by certified rounds)."""
    rows = session.execute(
        select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerPosting.pool_id == pool_id, LedgerPosting.kind == PostingKind.ALLOCATION)
        .group_by(LedgerLine.account)
    ).tuples()
    found: dict[int, int] = {}
    for account, total in rows:
        issue_id = issue_of_account(account)
        if issue_id is not None and int(total) > 0:
            found[issue_id] = int(total)
    return found


def posting_count(session: DbSession) -> int:
    """How many postings the ledger's lines belong to."""
    return int(session.scalar(select(func.count(LedgerLine.posting_id.distinct()))) or 0)


def streamed_city_lines(session: DbSession) -> Iterator[LineRow]:
    """Every line of the ledger, in posting order, read in keyset pages for the CSV: flat memory however
    long the ledger grows."""
    return _streamed_rows(session, None)


def pool_postings(
    session: DbSession, pool_id: int, funded: Iterable[int] | None = None
) -> ColumnElement[bool]:
    """The pool's own postings, and the payouts and returns of the problems it funded (`funded`, when
    the caller has read them already: funded_by_pool's issue ids)."""
    issues = sorted(funded_by_pool(session, pool_id) if funded is None else funded)
    where = LedgerPosting.pool_id == pool_id
    if issues:
        trail = and_(
            LedgerPosting.issue_id.in_(issues),
            LedgerPosting.kind.in_([PostingKind.PAYOUT, PostingKind.RETURN]),
        )
        where = or_(where, trail)
    return where


def streamed_pool_lines(session: DbSession, pool_id: int) -> Iterator[LineRow]:
    """The lines of `pool_postings`, in posting order, read in keyset pages for the CSV."""
    return _streamed_rows(session, pool_postings(session, pool_id))


def _pool_paid(allocated: int, money: IssueMoney, back: int) -> int:
    """The pool's share of a problem's payouts. Once nothing remains, it is exact: what the pool
    committed less what the return gave back to it (that split is largest remainders, so rounding the
    payouts' share down could leave a cent "committed, not yet paid" on a settled problem). Before,
    the payouts' share of the pool's allocation, rounded down to the cent."""
    if not money.committed_cents:
        return 0
    if money.remaining_cents == 0:
        return allocated - back
    return money.paid_cents * allocated // money.committed_cents


@dataclass(frozen=True)
class FundedProblem:
    """A funded problem as one pool (or the city) sees it: allocated = paid + returned + remaining.

    For a pool, the figures are the pool's share: a problem may also hold backers' money, whose
    payouts and returns are not the pool's (`money` keeps the problem's own totals and payouts)."""

    issue_id: int
    title: str
    allocated_cents: int  # by this pool (or, city-wide, everything committed)
    money: IssueMoney
    hidden: bool = False  # hidden by moderators: its money is still shown, its title and link are not
    returned_cents: int = 0  # of allocated_cents, given back (to this pool)
    paid_cents: int = 0  # of allocated_cents, paid for the fix

    @property
    def remaining_cents(self) -> int:
        return self.allocated_cents - self.paid_cents - self.returned_cents

    @property
    def from_others_cents(self) -> int:
        """What the problem holds besides this pool's allocation (backers', other pools')."""
        return self.money.committed_cents - self.allocated_cents


def pool_returns(session: DbSession, pool_id: int) -> dict[int, int]:
    """issue id -> what the returns of its unspent money gave back to the pool."""
    rows = session.execute(
        select(LedgerPosting.issue_id, func.sum(LedgerLine.amount_cents))
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(
            LedgerPosting.kind == PostingKind.RETURN,
            LedgerLine.account.in_([available_account(pool_id), rollover_account(pool_id)]),
        )
        .group_by(LedgerPosting.issue_id)
    ).tuples()
    return {int(issue_id): int(total) for issue_id, total in rows if issue_id is not None}


def funded_problems(session: DbSession, pool_id: int | None = None) -> list[FundedProblem]:
    """The problems a pool funded (or, city-wide, every problem that ever held committed money)."""
    if pool_id is not None:
        allocated = funded_by_pool(session, pool_id)
    else:
        allocated = {}
        for account, total in session.execute(
            select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
            .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
            .where(
                is_of_class(LedgerLine.account, AccountClass.FUNDED),
                LedgerPosting.kind.in_([PostingKind.ALLOCATION, PostingKind.COMMIT]),
            )
            .group_by(LedgerLine.account)
        ).tuples():
            issue_id = issue_of_account(account)
            if issue_id is not None:
                allocated[issue_id] = int(total)
    if not allocated:
        return []
    shown = {
        issue_id: (title, hidden)
        for issue_id, title, hidden in session.execute(
            select(Issue.id, Issue.title, Issue.is_hidden).where(Issue.id.in_(allocated))
        ).tuples()
    }
    money = money_of_issues(session, allocated)
    back = pool_returns(session, pool_id) if pool_id is not None else {}
    problems = []
    for i in sorted(allocated):
        title, hidden = shown.get(i, (f"Problem {i}", False))
        if pool_id is None:
            returned, paid = money[i].returned_cents, money[i].paid_cents
        else:
            returned = back.get(i, 0)
            paid = _pool_paid(allocated[i], money[i], returned)
        shown_title = HIDDEN_TITLE if hidden else title
        problems.append(FundedProblem(i, shown_title, allocated[i], money[i], hidden, returned, paid))
    return problems


def _problem_of(row: LineRow) -> int | str:
    """The problem a line concerns: its posting's, or the problem whose account it is (an allocation,
    which funds several problems in one posting, names none of its own); else empty."""
    if row.issue_id is not None:
        return row.issue_id
    found = issue_of_account(row.account)
    return "" if found is None else found


def lines_csv(rows: Iterable[LineRow]) -> Iterator[str]:
    """One CSV row per ledger line, with the problem it concerns and the currency of its amount; the
    amounts of every posting sum to zero. Residents' accounts are published as in the hash chain's CSV:
    a pseudonym that changes with every posting. Written in chunks of 500 rows as `rows` comes (a
    streamed response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for count, r in enumerate(rows, start=1):
        writer.writerow(
            [
                r.posting_id,
                r.kind,
                rfc3339(r.created_at),
                r.public_account,
                r.amount_cents,
                _problem_of(r),
                r.pool_id if r.pool_id is not None else "",
                r.currency,
            ]
        )
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
