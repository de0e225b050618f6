"""Who a pool's refunds went to: each refunding round's parts, one per pledger and one for the city.

A round whose leftover is refunded posts one `refund` posting (`ledger.post_refunds`): the pool pays
`resident:<id>` and `city:match` lines, split pro rata to the cent. The public pages and CSVs show the
total and pseudonyms only. The treasurer, who holds the pledged money and hands each part back, sees
the parts by name on the treasurer page and marks each handed back (pool_refund_handover); each
pledger sees their own on the group page, and every part of theirs on My Commonfix, also after leaving
the group, with whether it was handed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from app.database.sessions import DbSession
from app.models import Group, Pool, ReturnPayback, Round, User
from app.models.ledger import LedgerLine, LedgerPosting
from app.services.kernel.text import reading_order
from budgets.accounts import CITY_MATCH, RESIDENT_PREFIX, PostingKind, resident_account

CITY = "the city (its match)"


@dataclass(frozen=True)
class RefundPart:
    """One source's part of one refund posting."""

    posting_id: int
    round_id: int | None
    round_name: str | None
    refunded_at: datetime
    user_id: int | None  # None: the city's match
    name: str
    amount_cents: int
    line_id: int  # its ledger line, which the treasurer marks handed back
    handed_back_at: datetime | None  # None: not handed back yet


@dataclass(frozen=True)
class ResidentRefund:
    """One part of a refund that went back to a resident, with the group whose pool refunded it."""

    posting_id: int
    pool_id: int
    group_id: int
    group: str
    currency: str
    round_id: int | None
    round_name: str | None
    refunded_at: datetime
    amount_cents: int
    handed_back_at: datetime | None


def _parts() -> Select[tuple[int, int | None, str, datetime, str, int, int, datetime]]:
    """Each part of a refund: its posting, round, time, account, amount, line and when it was handed
    back (a `ReturnPayback` row of its line, as the cashier's paybacks: pool_refund_handover; NULL,
    outer-joined, while it was not)."""
    return (
        select(
            LedgerPosting.id,
            LedgerPosting.round_id,
            Round.name,  # NULL when the posting names no round
            LedgerPosting.created_at,
            LedgerLine.account,
            LedgerLine.amount_cents,
            LedgerLine.id,
            ReturnPayback.paid_back_at,
        )
        .join(LedgerLine, LedgerLine.posting_id == LedgerPosting.id)
        .outerjoin(Round, Round.id == LedgerPosting.round_id)
        .outerjoin(ReturnPayback, ReturnPayback.line_id == LedgerLine.id)
        .where(LedgerPosting.kind == PostingKind.REFUND, LedgerLine.amount_cents > 0)
    )


def _user_id(account: str) -> int | None:
    return int(account[len(RESIDENT_PREFIX) :]) if account.startswith(RESIDENT_PREFIX) else None


def pool_refunds(session: DbSession, pool_id: int) -> list[RefundPart]:
    """Every part the pool refunded, newest refund first; within one, the city last, then by name."""
    rows = session.execute(_parts().where(LedgerPosting.pool_id == pool_id)).tuples().all()
    ids = {uid for row in rows if (uid := _user_id(row[4])) is not None}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).tuples().all())
    parts = [
        RefundPart(
            posting_id,
            round_id,
            round_name,
            at,
            uid := _user_id(account),
            CITY if account == CITY_MATCH else names.get(uid or 0, account),
            cents,
            line_id,
            handed_back_at,
        )
        for posting_id, round_id, round_name, at, account, cents, line_id, handed_back_at in rows
    ]
    return sorted(parts, key=lambda p: (-p.posting_id, p.user_id is None, reading_order(p.name), p.user_id))


def refunds_to(session: DbSession, user_id: int, pool_id: int) -> list[RefundPart]:
    """The parts of the pool's refunds that went back to one resident, newest first."""
    rows = session.execute(
        _parts()
        .where(LedgerPosting.pool_id == pool_id, LedgerLine.account == resident_account(user_id))
        .order_by(LedgerPosting.id.desc())
    ).tuples()
    return [
        RefundPart(p, r, name, at, user_id, "", cents, line_id, handed_back_at)
        for p, r, name, at, _account, cents, line_id, handed_back_at in rows
    ]


def refunds_of(session: DbSession, user_id: int) -> list[ResidentRefund]:
    """Every refund part that went back to one resident, from any pool, newest first.

    Read from the ledger, not from memberships: a pledger who left the group still reads what its
    pool owes them."""
    rows = session.execute(
        _parts()
        .add_columns(Pool.id, Group.id, Group.name, Pool.currency)
        .join(Pool, Pool.id == LedgerPosting.pool_id)
        .join(Group, Group.id == Pool.group_id)
        .where(LedgerLine.account == resident_account(user_id))
        .order_by(LedgerPosting.id.desc())
    ).tuples()
    found = []
    for posting_id, round_id, round_name, at, _account, cents, _line, back_at, *where in rows:
        pool_id, group_id, group, currency = where
        found.append(
            ResidentRefund(
                posting_id, pool_id, group_id, group, currency, round_id, round_name, at, cents, back_at
            )
        )
    return found
