"""The double-entry ledger: append-only postings whose lines (integer cents) sum to zero."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.timestamps import utcnow


class LedgerAppendOnly(RuntimeError):
    """Raised when code tries to change or remove a ledger row."""


class LedgerPosting(Model):
    """One money movement (kinds in budgets/accounts.PostingKind); never updated or deleted.

    A pool's postings carry `pool_id`; a problem's own money (backings, their refunds, the city's
    quadratic match, payouts) carries `issue_id` and may have no pool.
    """

    __tablename__ = "ledger_postings"
    __table_args__ = (Index("ix_ledger_postings_pool", "pool_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    memo: Mapped[str] = mapped_column(String(200), default="")
    pool_id: Mapped[int | None] = mapped_column(ForeignKey("pools.id"))
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issues.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(index=True)
    # A pledge is posted at most once: the unique key settles concurrent confirmations.
    pledge_id: Mapped[int | None] = mapped_column(ForeignKey("pledges.id"), unique=True)
    # A backing's money enters the escrow once: the unique key settles concurrent retries.
    backing_id: Mapped[int | None] = mapped_column(ForeignKey("backings.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[LedgerLine]] = relationship(order_by="LedgerLine.id", viewonly=True)


class LedgerLine(Model):
    """One side of a posting: + moves money into `account`, - moves it out."""

    __tablename__ = "ledger_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("ledger_postings.id"), index=True)
    account: Mapped[str] = mapped_column(String(80), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class LedgerChainLink(Model):
    """A posting's place in the hash chain (budgets/ledger_chain.py): written once, when it commits.

    `seq` is the chain order (1, 2, ...: the order postings committed); `hash` covers `prev_hash` and
    the posting (see the recipe there); `salt` makes residents' public pseudonyms unlinkable and is
    never published.
    """

    __tablename__ = "ledger_chain"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    posting_id: Mapped[int] = mapped_column(ForeignKey("ledger_postings.id"), unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))


def _refuse_change(_mapper: Any, _connection: Any, target: Any) -> None:
    raise LedgerAppendOnly(f"the ledger is append-only: {type(target).__name__} rows are never changed")


for _model in (LedgerPosting, LedgerLine, LedgerChainLink):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
