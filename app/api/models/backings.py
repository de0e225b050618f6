"""API shapes of backings: money a resident puts behind one problem, and the problem's funding figures."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody, absent


class NewBacking(RequestBody):
    amount_cents: int = Field(
        ge=1, description="whole cents; with the resident's earlier backings of the problem at most the cap"
    )
    fallback: Literal["refund", "pool"] = Field(
        "refund", description="if the problem is not funded: refund me, or move it to the area's pool"
    )
    show_name: bool = Field(False, description="show my display name among the problem's backers")


class Backing(ResponseBody):
    id: int
    issue_id: int
    amount_cents: int
    status: Literal["pending", "cancelled", "held", "committed", "refunded", "moved"] = Field(
        description="pending: waiting for the city's cashier to confirm the money arrived (nothing posted)"
    )
    fallback: Literal["refund", "pool"]
    show_name: bool
    provider: str = Field(examples=["test"])
    period_id: int | None = Field(description="the matching period the backing joined, if one was open")
    created_at: datetime
    settled_at: datetime | None
    reference: str = Field(examples=["CF-B12"], description="the payment reference to quote")
    payment_instructions: str | None = Field(
        description="for a pending backing: whom to pay and how; null once it is no longer pending"
    )


class IssueFunding(ResponseBody):
    """The money behind a costed problem (null on a problem without a cost estimate)."""

    cost_cents: int = Field(ge=0)
    backed_cents: int = Field(ge=0, description="held and committed backings")
    backers: int = Field(ge=0, description="residents with a held or committed backing")
    match_cents: int = Field(ge=0, description="the city's match posted to the problem's escrow so far")
    paid_cents: int = Field(ge=0, description="payouts posted from the problem's committed money so far")
    deadline: datetime | None = Field(description="the campaign's deadline (its matching period's end)")
    new_backing_deadline: datetime | None = Field(
        default=None,
        description="the deadline of a backing made now (null: held until it is funded or closed); "
        "differs from deadline once the campaign's matching period was closed before its end",
    )
    pending_cents: int | None = absent(
        "pending backings the city's cashier has not confirmed yet (not in backed_cents)", ge=0
    )


class PendingBacking(ResponseBody):
    """One backing waiting for the city's cashier (officials' list)."""

    backing: Backing
    issue_title: str
    resident: str = Field(description="the resident's display name; empty for a deleted account")


class PendingBackingsQuery(RequestBody):
    page: int = Field(1, ge=1, description="Page number (100 backings a page, oldest first)")


class PendingBackings(ResponseBody):
    items: list[PendingBacking]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    total: int = Field(ge=0, description="pending backings, on every page")
    has_next: bool
