"""The money flow of the whole city or of one pool: where the money came from, where it went, where it is.

The database sums the ledger lines grouped by posting kind, the class of their account (a CASE over
budgets.accounts.ACCOUNT_CLASSES' LIKE patterns: account_classes.account_class) and their sign, so a
page reads a few dozen rows however long the ledger grows; `_add` turns each sum into the flow's
figures. For one pool, "paid" and "returned" are the pool's share of its problems'
(money_trail.funded_problems).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from app.database.sessions import DbSession
from app.models import Group, LedgerLine, LedgerPosting, Pledge, Pool
from app.models.backing import MOVED_PROVIDER
from app.services.funding.account_classes import account_class
from app.services.funding.money_trail import FundedProblem, pool_postings
from app.services.issues.money import CITY_CURRENCY
from budgets.accounts import AccountClass, PostingKind, issue_of_account


@dataclass
class Flow:
    """Where the money came from, where it went, and where it is now (cents)."""

    from_residents: int = 0  # pledges confirmed and backings paid
    from_city: int = 0  # pools' matches and problems' quadratic matches
    committed: int = 0  # allocated by rounds and committed from funded campaigns
    paid: int = 0  # paid out for fixes
    returned: int = 0  # fixes' unspent remainder given back
    refunded: int = 0  # given back to residents and the city by refunds and unbacked campaigns
    in_pools: int = 0  # held by pools now
    in_escrow: int = 0  # held for backed problems whose campaign runs
    unpaid: int = 0  # committed to problems, not yet paid or returned

    def rows(self, of_pool: bool = False) -> list[tuple[str, int]]:
        """The flow as labelled rows, in the order the money moves (the chart and its table); a pool's
        (`of_pool`) without the escrows row (found from outside: every pool page showed "Held for
        backed problems EUR 0.00", which no pool can hold)."""
        rows = [
            ("From residents", self.from_residents),
            ("From the city", self.from_city),
            ("Committed to problems", self.committed),
            ("Paid for fixes", self.paid),
            ("Returned unspent", self.returned),
            ("Refunded", self.refunded),
            # Found from outside: a single pool's page said "Held in pools".
            ("Held in the pool" if of_pool else "Held in pools", self.in_pools),
            ("Held for backed problems", self.in_escrow),
            ("Committed, not yet paid", self.unpaid),
        ]
        return [row for row in rows if not (of_pool and row[0] == "Held for backed problems")]


@dataclass(frozen=True)
class FlowPart:
    """The sum of the lines of one posting kind into (positive) or out of accounts of one class."""

    kind: str
    account_class: str
    positive: bool  # amounts > 0; else < 0 (or 0, which adds nothing)
    cents: int


def flow_parts(session: DbSession, where: ColumnElement[bool] | None, pool_id: int | None) -> list[FlowPart]:
    """The lines of the postings `where` selects (all if None), summed by kind, class and sign."""
    lines = (
        select(
            LedgerPosting.kind.label("kind"),
            account_class(LedgerLine.account, pool_id).label("account_class"),
            case((LedgerLine.amount_cents > 0, 1), else_=0).label("positive"),
            LedgerLine.amount_cents.label("cents"),
        )
        .select_from(LedgerLine)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
    )
    if where is not None:
        lines = lines.where(where)
    # Grouped outside: PostgreSQL would not see a CASE with bound patterns in GROUP BY as the selected one.
    found = lines.subquery()
    keys = (found.c.kind, found.c.account_class, found.c.positive)
    rows = session.execute(select(*keys, func.sum(found.c.cents)).group_by(*keys)).tuples()
    return [FlowPart(str(kind), str(cls), bool(positive), int(total)) for kind, cls, positive, total in rows]


def _add(out: Flow, part: FlowPart, *, one_pool: bool) -> None:
    kind, cls, cents, into = part.kind, part.account_class, part.cents, part.positive
    if kind in (PostingKind.PLEDGE, PostingKind.BACKING) and not into and cls == AccountClass.RESIDENT:
        out.from_residents -= cents
    elif kind in (PostingKind.MATCH, PostingKind.QF_MATCH) and cls == AccountClass.CITY_MATCH:
        out.from_city -= cents
    elif kind in (PostingKind.ALLOCATION, PostingKind.COMMIT) and cls == AccountClass.FUNDED:
        out.committed += cents
    elif kind == PostingKind.PAYOUT and cls == AccountClass.PAYEE:
        out.paid += cents
    elif kind == PostingKind.RETURN and into:
        out.returned += cents
    elif (
        kind in (PostingKind.REFUND, PostingKind.UNBACK)
        and into
        and cls not in (AccountClass.POOL, AccountClass.OTHER_POOL)
    ):
        out.refunded += cents
    if cls == AccountClass.POOL:
        out.in_pools += cents
    elif cls == AccountClass.ESCROW:
        out.in_escrow += cents
    elif cls == AccountClass.FUNDED and not one_pool:
        out.unpaid += cents


def moved_backings_cents(session: DbSession) -> int:
    """Backings moved to a pool as their backers asked: the unbacking pays the resident back and the
    pledge of that money takes it at once, so for the city it is neither new money nor a refund
    (found from outside: it counted in both, "From residents" and "Refunded")."""
    moved = session.scalar(
        select(func.coalesce(func.sum(Pledge.amount_cents), 0))
        .select_from(LedgerPosting)
        .join(Pledge, Pledge.id == LedgerPosting.pledge_id)
        .join(Pool, Pool.id == Pledge.pool_id)
        .where(
            LedgerPosting.kind == PostingKind.PLEDGE,
            Pledge.provider == MOVED_PROVIDER,
            Pool.currency == CITY_CURRENCY,
        )
    )
    return int(moved or 0)


@dataclass(frozen=True)
class OtherCurrencyPool:
    """A pool whose money is in another currency than the city's, so outside the city's figures."""

    pool_id: int
    group_id: int
    group_name: str
    currency: str


def other_currency_pools(session: DbSession) -> list[OtherCurrencyPool]:
    rows = session.execute(
        select(Pool.id, Group.id, Group.name, Pool.currency)
        .join(Group, Group.id == Pool.group_id)
        .where(Pool.currency != CITY_CURRENCY)
        .order_by(Group.name, Pool.id)
    ).tuples()
    return [OtherCurrencyPool(*row) for row in rows]


def _in_city_currency(session: DbSession) -> ColumnElement[bool] | None:
    """The postings in the city's currency: not a pool's in another currency, nor a payout or return
    of a problem such a pool funded (None: every posting, while no pool has another currency)."""
    others = [p.pool_id for p in other_currency_pools(session)]
    if not others:
        return None
    accounts = session.scalars(
        select(LedgerLine.account)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerPosting.pool_id.in_(others))
        .distinct()
    )
    funded = sorted({i for i in map(issue_of_account, accounts) if i is not None})
    return or_(
        and_(LedgerPosting.pool_id.is_not(None), LedgerPosting.pool_id.not_in(others)),
        and_(
            LedgerPosting.pool_id.is_(None),
            or_(LedgerPosting.issue_id.is_(None), LedgerPosting.issue_id.not_in(funded)),
        ),
    )


def city_flow(session: DbSession) -> Flow:
    """The flow of every line of the ledger in the city's currency (found from outside: a SEK pool's
    pledges were added to the euros), less the backings moved to pools counted twice."""
    out = Flow()
    for part in flow_parts(session, _in_city_currency(session), None):
        _add(out, part, one_pool=False)
    moved = moved_backings_cents(session)
    out.from_residents -= moved
    out.refunded -= moved
    return out


def pool_flow(session: DbSession, pool_id: int, problems: Sequence[FundedProblem]) -> Flow:
    """The flow of the pool's own postings and of the payouts and returns of the problems it funded;
    `problems` (money_trail.funded_problems of the pool) give its share of their payouts and returns."""
    out = Flow()
    funded = [p.issue_id for p in problems]
    for part in flow_parts(session, pool_postings(session, pool_id, funded), pool_id):
        _add(out, part, one_pool=True)
    out.paid = sum(p.paid_cents for p in problems)
    out.returned = sum(p.returned_cents for p in problems)
    out.unpaid = out.committed - out.paid - out.returned
    return out
