"""API shapes of a funded problem's money: payouts, the return of the remainder, the figures."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody


class PayoutHeaders(RequestBody):
    idempotency_key: str | None = Field(
        default=None,
        alias="Idempotency-Key",
        min_length=1,
        max_length=120,
        description="optional: one per payout, reused on retry, so a retry records it once",
    )


class PayoutBody(RequestBody):
    payee_kind: Literal["contractor", "department"]
    payee_name: str = Field(min_length=1, max_length=120, description="who was paid")
    amount_cents: int = Field(ge=1, description="whole cents, at most what remains committed")
    invoice_ref: str = Field(min_length=1, max_length=80)
    paid_on: date = Field(
        description=(
            "the day it was paid (YYYY-MM-DD) in the city's calendar: not after today, and not before the "
            "day the problem first held committed money"
        )
    )


class Payout(ResponseBody):
    id: int
    issue_id: int
    payee_kind: Literal["contractor", "department"]
    payee_name: str
    amount_cents: int
    invoice_ref: str
    paid_on: date
    posting_id: int | None


class IssueMoney(ResponseBody):
    """Always: committed_cents = paid_cents + returned_cents + remaining_cents."""

    issue_id: int
    currency: str = Field(
        examples=["EUR"], description="of every amount here: the allocating pool's, else the city's"
    )
    committed_cents: int
    paid_cents: int
    returned_cents: int
    remaining_cents: int
    payouts: list[Payout]


class ReturnPart(ResponseBody):
    account: str = Field(examples=["pool:3:available", "resident:12", "city:match"])
    amount_cents: int


class Returned(ResponseBody):
    issue_id: int
    amount_cents: int
    parts: list[ReturnPart]
    posting_ids: list[int]
