"""API shapes of flags: a resident's flag, and the moderators' queue and resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody, absent

TargetType = Literal["issue", "update", "photo"]


class NewFlag(RequestBody):
    target_type: TargetType | None = absent(
        "what is flagged: the issue itself (default), an update or a photo"
    )
    target_id: int | None = absent("the update's or photo's id (not needed for the issue itself)")
    reason: Literal["abusive", "personal", "spam", "misleading", "other"] = Field(
        description="abusive, personal (shares personal information), spam, misleading, or other"
    )
    note: str | None = absent("optional words for the moderators", max_length=2000)


class FlagState(ResponseBody):
    created: bool = Field(description="false: you had flagged this item already; it counts once")
    open_flags: int = Field(description="open flags on the item, one per resident")


class FlaggedItem(ResponseBody):
    target_type: TargetType
    target_id: int
    issue_id: int
    issue_title: str
    count: int
    reasons: dict[str, int]
    notes: list[str]
    latest: datetime


class FlagQueueQuery(RequestBody):
    page: int = Field(1, ge=1, description="Page number (100 items a page)")


class FlagQueue(ResponseBody):
    items: list[FlaggedItem]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    total: int = Field(ge=0, description="items with open flags, on every page")
    has_next: bool


class Resolution(RequestBody):
    action: Literal["hide", "dismiss"]
    reason: str | None = absent("why it is hidden (required to hide); the flaggers read it", max_length=2000)


class Resolved(ResponseBody):
    resolved: int = Field(description="how many open flags this closed (each flagger is emailed)")
