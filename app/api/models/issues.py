"""API shapes of issues: GeoJSON Features and collections, reports, likes, reference data."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, RootModel

from app.api.models.common import URI, MultiPolygon, Point, RequestBody, ResponseBody, absent

StatusType = Literal["open", "closed", "fixed"]


class IssueProperties(ResponseBody):
    id: int
    title: str = Field(max_length=120)
    category: str
    category_name: str
    status: str
    status_name: str
    status_type: StatusType
    likes: int = Field(ge=0)
    area: str
    area_id: int
    created_at: datetime
    url: str = URI
    description: str = absent("one issue, not lists", max_length=4000)
    reporter: str | None = absent("null when the reporter hid their name")
    photos: list[str] = absent("URLs of the public photos")
    liked_by_me: bool = absent("when authenticated")
    distance_m: int = absent("suggestions only")
    duplicate_of: int | None = absent("the original's id when closed as a duplicate")
    acknowledged_at: datetime | None = absent("workflow answers")
    fixed_at: datetime | None = absent("workflow answers")
    closed_at: datetime | None = absent("workflow answers")
    last_activity_at: datetime | None = absent("workflow answers")


class IssueFeature(ResponseBody):
    type: Literal["Feature"]
    id: int
    geometry: Point
    properties: IssueProperties


class IssueCollection(ResponseBody):
    type: Literal["FeatureCollection"]
    features: list[IssueFeature]
    page: int = Field(ge=1)
    per_page: int = Field(ge=1)
    has_next: bool
    total: int = absent("absent for bbox queries", ge=0)


class SuggestionCollection(ResponseBody):
    type: Literal["FeatureCollection"]
    features: list[IssueFeature]
    radius_m: int


class IssueListQuery(RequestBody):
    bbox: str = absent("minlon,minlat,maxlon,maxlat (uses the spatial index)")
    category: str = absent("Category code")
    status: str = absent("Status codes or types (open, closed, fixed), comma-separated")
    area: int = absent("Area id", ge=1)
    sort: Literal["rank", "new"] = Field(
        "rank", description="rank: most likes first, ties to the older report; new: newest first"
    )
    page: int = Field(1, ge=1, description="Page number")
    per_page: int = absent(
        "At most 100; with bbox at most 500 (default 500 with bbox, 20 without)", ge=1, le=500
    )


class SuggestionQuery(RequestBody):
    lat: float = Field(description="Latitude", ge=-90, le=90)
    lon: float = Field(description="Longitude", ge=-180, le=180)
    category: str = Field(description="Category code", min_length=1)


class NewIssue(RequestBody):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    category: str
    title: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=4000)
    hide_name: bool = False


class NewIssueForm(NewIssue):
    photo: bytes = absent("a JPEG or PNG photo")


class LikeState(ResponseBody):
    likes: int = Field(ge=0)
    liked: bool


class Category(ResponseBody):
    code: str
    name: str


class CategoryList(RootModel[list[Category]]):
    pass


class Status(ResponseBody):
    code: str
    name: str
    type: StatusType
    position: int


class StatusList(RootModel[list[Status]]):
    pass


class AreaProperties(ResponseBody):
    id: int
    name: str
    slug: str


class AreaFeature(ResponseBody):
    type: Literal["Feature"]
    id: int
    geometry: MultiPolygon
    properties: AreaProperties


class AreaCollection(ResponseBody):
    type: Literal["FeatureCollection"]
    features: list[AreaFeature]
