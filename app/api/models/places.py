"""API shapes of the place search (GET /api/v1/places)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.api.models.common import RequestBody, ResponseBody


class PlaceQuery(RequestBody):
    q: str = Field(
        description="The start of a street, area or landmark name, or of one of its words; case and accents "
        "do not matter",
        min_length=1,
        max_length=100,
    )
    limit: int = Field(default=8, description="At most this many places (1-20)", ge=1, le=20)


class PlaceResult(ResponseBody):
    kind: Literal["area", "street", "landmark"]
    id: int
    name: str = Field(examples=["Willow Drive"])
    area: str | None = Field(description="The neighbourhood the street or landmark lies in")
    label: str = Field(examples=["Willow Drive, Station Quarter"], description="What to show the resident")
    lon: float = Field(description="A point on the place (halfway along a street's longest part)")
    lat: float
    bbox: list[float] | None = Field(
        min_length=4, max_length=4, description="min lon, min lat, max lon, max lat; the map fits it"
    )


class PlaceList(ResponseBody):
    query: str
    places: list[PlaceResult]
