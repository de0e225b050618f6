"""API shapes of the city's census of an area and of a resident's verification against it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody


class CensusIdentifiers(RequestBody):
    identifiers: list[str] = Field(
        description="the area's identifiers (stored only as salted hashes); each once", min_length=1
    )


class CensusFile(RequestBody):
    census: bytes = Field(description="a CSV file whose first row names an `identifier` column")


class CensusUploaded(ResponseBody):
    area_id: int
    entries_count: int = Field(ge=1)
    uploaded_at: datetime
    replaced_previous: bool = Field(
        description="true when it replaced an earlier census (whose verifications no longer count)"
    )


class Verification(RequestBody):
    identifier: str = Field(min_length=1, max_length=200, description="the identifier from the city's letter")


class CensusStatus(ResponseBody):
    area_id: int
    area_name: str
    census: bool = Field(description="true when the city has uploaded the area's census")
    verified: bool
    verified_at: datetime | None = Field(description="when you verified against the current census")
