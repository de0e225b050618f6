"""Payouts: money an official paid from a funded problem's committed money to a contractor or department.

Each payout is one ledger posting (kind payout: issue:<i>:funded -> payee:<payout id>), linked here by
`posting_id`; the row keeps what the ledger cannot: who was paid, the invoice and the day it was paid.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.timestamps import utcnow


class PayeeKind(StrEnum):
    CONTRACTOR = "contractor"
    DEPARTMENT = "department"


class Payout(Model):
    """One payment for a fix; never changed once recorded (like its ledger posting)."""

    __tablename__ = "payouts"
    __table_args__ = (
        Index("ix_payouts_issue", "issue_id", "id"),
        # One payout per official and request key: a form sent twice or an API retry records it once.
        Index("ux_payouts_recorder_key", "recorded_by_id", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issues.id"))
    payee_kind: Mapped[str] = mapped_column(String(12))
    payee_name: Mapped[str] = mapped_column(String(120))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    invoice_ref: Mapped[str] = mapped_column(String(80))
    paid_on: Mapped[date]
    posting_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_postings.id"), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(120))  # the request's, when it sent one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnPayback(Model):
    """The city's cashier paid back a resident's part of a fix's unspent money (a ledger line of a
    return posting into resident:<id>): the ledger says the city owes it; this row says it was paid.
    A treasurer's mark that a part of a pool's refund (a line of a refund posting) was handed back is
    such a row too (app/services/funding/pool_refund_handover.py).

    Found from outside: the return put backers' parts on the ledger, but no backer was told and the
    cashier had no list of whom to pay (app/services/funding/return_paybacks.py)."""

    __tablename__ = "return_paybacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("ledger_lines.id"), unique=True)
    paid_back_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_back_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
