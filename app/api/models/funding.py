"""API shapes of neighbourhood groups, pools and pledges (money in integer cents)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import URI, RequestBody, ResponseBody


class GroupArea(ResponseBody):
    id: int
    name: str


class Group(ResponseBody):
    id: int
    name: str
    description: str
    area: GroupArea
    pool_id: int
    members: int = Field(ge=0)
    url: str = URI


class GroupList(ResponseBody):
    groups: list[Group]


class Membership(Group):
    member: bool


class GroupAdmin(ResponseBody):
    user_id: int
    display_name: str


class GroupAdmins(ResponseBody):
    """Who runs the group besides the city: its treasurers, who confirm pledges and run its rounds."""

    group_id: int
    admins: list[GroupAdmin]


class Pool(ResponseBody):
    """Figures derived from the ledger (integer cents); pending: pledges not confirmed yet."""

    id: int
    group_id: int
    open: bool
    currency: str = Field(examples=["EUR"])
    min_pledge_cents: int
    max_pledge_cents: int
    payment_details: str = Field(
        description="where to send what you pledge, in the treasurers' words (empty: ask them)"
    )
    confirmed_cents: int
    pending_cents: int
    matched_cents: int
    allocated_cents: int
    refunded_cents: int
    rolled_over_cents: int
    balance_cents: int
    returned_cents: int = Field(
        default=0, description="funded problems' unspent money given back to the pool (issue 18, item 4)"
    )
    transparency_url: str = URI


class NewPledge(RequestBody):
    amount_cents: int = Field(ge=1, description="between the pool's min and max pledge")
    show_name: bool = Field(False, description="show my display name on the public pool page")


class PledgeHeaders(RequestBody):
    idempotency_key: str = Field(alias="Idempotency-Key", min_length=1, max_length=120)


class Pledge(ResponseBody):
    id: int
    pool_id: int
    amount_cents: int
    status: Literal["pending", "confirmed", "declined", "withdrawn"] = Field(
        description="pending: waiting for a treasurer; confirmed: its money is in the pool's ledger; "
        "declined: its money never arrived; withdrawn: its pledger took it back before a confirmation"
    )
    show_name: bool
    provider: str = Field(examples=["treasurer-confirmed"])
    created_at: datetime
    confirmed_at: datetime | None
    withdrawn_at: datetime | None = Field(None, description="when its pledger withdrew it")
