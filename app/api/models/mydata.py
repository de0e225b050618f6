"""API shapes of My Commonfix: the account overview and the deletion request."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody


class Profile(ResponseBody):
    id: int
    email: str
    display_name: str
    role: Literal["resident", "official", "admin"]
    created_at: datetime
    email_confirmed: bool = Field(
        description="false until the resident opens the link mailed to the address: likes, follows, "
        "pledges, ballots and memberships answer 403 `email_not_confirmed` until then"
    )
    hide_name_default: bool = Field(description="new reports hide the name unless they say otherwise")
    round_news: bool = Field(
        description="email about the funding rounds the account may vote in (opening, reminder, result)"
    )


class IssueLine(ResponseBody):
    id: int
    title: str
    status: str = Field(description="the status's code")
    status_name: str
    status_type: Literal["open", "closed", "fixed"]
    hidden: bool = Field(description="hidden by a moderator (only your own reports are listed then)")
    held: bool = Field(
        description="your report, not published yet: it waits for you to confirm your email address, or"
        " to publish it"
    )
    at: datetime = Field(description="when you reported, liked or followed it")


class AreaLine(ResponseBody):
    id: int
    name: str
    at: datetime


class PledgeLine(ResponseBody):
    id: int
    group_id: int
    group: str
    amount_cents: int
    currency: str
    status: Literal["pending", "confirmed", "declined", "withdrawn"]
    created_at: datetime
    confirmed_at: datetime | None


class RefundLine(ResponseBody):
    """My part of a round's pro-rata refund of a pool's leftover; the group's treasurer hands it back.
    Listed whether or not I am still a member of the group."""

    group_id: int
    group: str
    pool_id: int
    amount_cents: int = Field(gt=0)
    currency: str
    round_id: int | None
    round: str | None = Field(description="the name of the round that refunded it")
    refunded_at: datetime
    handed_back_at: datetime | None = Field(
        description="when the treasurer marked it handed back; null until then"
    )


class BackingLine(ResponseBody):
    id: int
    issue_id: int
    title: str = Field(description="the problem's title (a placeholder if moderators hid it)")
    amount_cents: int
    currency: str
    status: Literal["pending", "cancelled", "held", "committed", "refunded", "moved"] = Field(
        description="pending: waiting for the city's cashier; held: in the problem's escrow; committed: "
        "the problem was funded; refunded or moved (to your area's pool) when it was not; cancelled: "
        "never confirmed, nothing moved"
    )
    created_at: datetime
    settled_at: datetime | None


class ReturnedLine(ResponseBody):
    line_id: int = Field(description="the ledger line that gave it back")
    issue_id: int
    title: str = Field(description="the problem's title (a placeholder if moderators hid it)")
    amount_cents: int = Field(gt=0)
    currency: str
    returned_at: datetime
    at_the_cashier: bool = Field(description="true: you paid at the city's cashier, who pays it back to you")
    paid_back_at: datetime | None = Field(description="when the city's cashier marked it paid back")


class BallotLine(ResponseBody):
    round_id: int
    round: str
    group: str
    phase: Literal["draft", "pledging", "voting", "tallied", "closed"]
    choices: int = Field(description="how many problems the ballot names")
    updated_at: datetime


class GroupLine(ResponseBody):
    id: int
    name: str
    runs_group: bool


class TokenLine(ResponseBody):
    id: int
    created_at: datetime
    expires_at: datetime


class AccountOverview(ResponseBody):
    """What My Commonfix shows, newest first."""

    profile: Profile
    reports: list[IssueLine]
    likes: list[IssueLine]
    followed_issues: list[IssueLine]
    followed_areas: list[AreaLine]
    pledges: list[PledgeLine]
    refunds: list[RefundLine]
    backings: list[BackingLine]
    returned: list[ReturnedLine] = Field(
        description="your parts of fixes' unspent money, given back in proportion to what each gave"
    )
    ballots: list[BallotLine]
    groups: list[GroupLine]
    tokens: list[TokenLine]


class DeleteAccount(RequestBody):
    password: str = Field(description="the account's password, to confirm")
