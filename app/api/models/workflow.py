"""API shapes of the status workflow and the officials' exports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody, absent


class StatusChange(RequestBody):
    status: str
    note: str = Field(min_length=1, max_length=2000)


class DuplicateMark(RequestBody):
    original_id: int
    note: str = absent(max_length=2000)


class Event(ResponseBody):
    id: int
    kind: Literal["status", "update", "duplicate", "merged", "reopen", "moderation"]
    actor: str | None
    by_staff: bool = Field(description="Shown with the City staff badge")
    from_status: str | None
    from_status_name: str | None
    to_status: str | None
    to_status_name: str | None
    note: str
    related_issue_id: int | None
    created_at: datetime
    photos: list[str]
    hidden: bool = absent("Staff only")
    public: bool = absent("Staff only")


class History(ResponseBody):
    issue_id: int
    status: str
    duplicate_of: int | None
    events: list[Event]


class UpdateBody(RequestBody):
    text: str = Field(min_length=1, max_length=2000)


class UpdateForm(UpdateBody):
    photo: bytes = absent("a JPEG, PNG or WebP photo")


class NotFixedBody(RequestBody):
    note: str = absent(max_length=2000)


class ExportQuery(RequestBody):
    area: int = absent("Area id", ge=1)
    category: str = absent("Category code")
    status: str = Field(
        "open", description="Status codes and/or types (open, closed, fixed), comma-separated"
    )
    from_: date = absent("Reported on or after this day (YYYY-MM-DD, the city's calendar)", alias="from")
    to: date = absent("Reported on or before this day (YYYY-MM-DD, the city's calendar)")
    min_likes: int = absent("At least this many likes", ge=0)
    overdue: Literal["yes", "no"] = absent(
        "yes: only open problems waiting longer than their category's target time (the inbox's overdue)"
    )


class CsvExportQuery(ExportQuery):
    sort: Literal["rank", "likes", "oldest", "newest", "activity"] = absent(
        "Row order as on the dashboard (by id when left out)"
    )
