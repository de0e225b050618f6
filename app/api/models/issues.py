"""API shapes of issues: GeoJSON Features and collections, reports, likes, reference data."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, RootModel

from app.api.models.backings import IssueFunding
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
    funding: IssueFunding | None = absent("one issue: the money behind it; null when it has no cost estimate")
    held: bool = absent(
        "a new report's answer: true while it waits, unpublished, for the reporter to confirm their"
        " email address"
    )


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
    total: int = absent(
        "absent for bbox queries; every issue the filters select (with `after` too, not only those after it)",
        ge=0,
    )
    next_after: int = absent(
        "sort=id only: pass it as `after` for the next page (the last issue's id, or the `after` given when"
        " the page is empty). Kept after the last page, it later fetches only the issues reported since.",
        ge=0,
    )


class ClusterProperties(ResponseBody):
    cluster: Literal[True]
    count: int = Field(ge=1, description="Exactly how many issues the filters select in the cell")
    statuses: dict[str, int] = Field(description="Issues per status code; they add up to count")
    status_types: dict[StatusType, int] = Field(description="Issues per status type; they add up to count")
    cell: list[float] = Field(
        min_length=4, max_length=4, description="The grid cell's bounds: minlon, minlat, maxlon, maxlat"
    )


class ClusterFeature(ResponseBody):
    type: Literal["Feature"]
    id: str = Field(description="zoom/column/row of the grid cell", examples=["12/1234/3017"])
    geometry: Point = Field(description="The centroid of the cell's issues")
    bbox: list[float] = Field(
        min_length=4,
        max_length=4,
        description="A box holding the cell's issues, to within one cell of the zoom-15 grid (zoom here)",
    )
    properties: ClusterProperties


class ClusterCollection(ResponseBody):
    """Issues counted per grid cell: what the map gets at low zoom."""

    type: Literal["FeatureCollection"]
    features: list[ClusterFeature]
    clustered: Literal[True]
    zoom: int = Field(ge=0, le=24)
    cell_size: float = Field(gt=0, description="A cell's width and height in degrees")
    bbox: list[float] = Field(
        min_length=4,
        max_length=4,
        description="The area counted: the requested bbox widened to whole cells (the world without bbox)",
    )
    total: int = Field(ge=0, description="Issues in the area counted: the sum of the clusters' counts")


class IssueMap(RootModel[IssueCollection | ClusterCollection]):
    """Pins (without zoom, or above the clustering zoom) or clusters (at or below it)."""


class SuggestionCollection(ResponseBody):
    type: Literal["FeatureCollection"]
    features: list[IssueFeature]
    radius_m: int


class IssueListQuery(RequestBody):
    bbox: str = absent("minlon,minlat,maxlon,maxlat (uses the spatial index)")
    category: str = absent("Category code")
    status: str = absent(
        "Status codes or types (open, closed, fixed), comma-separated; a bare type name is the type, "
        "`code:CODE` the one status (for a code that is also a type's name, such as closed)"
    )
    area: int = absent("Area id", ge=1)
    sort: Literal["rank", "new", "id"] = Field(
        "rank",
        description="Every order ends with the id, so it is total. rank: most likes first, then the older"
        " report, then the lower id; new: newest report first, then the higher id; id: lowest id first, the"
        " harvest order (ids never change; a new report gets a higher id than every issue before it). The"
        " default is rank, or id with `after`.",
    )
    page: int = Field(
        1,
        ge=1,
        description="Page number (offset pages: a like or a new report moves later issues by one place, so"
        " walking rank or new may repeat or miss one; to read every issue, use `after`)",
    )
    after: int = absent(
        "Keyset cursor for harvesting every issue: the issues with a higher id than this, lowest first"
        " (sort=id; not with page > 1). Start at 0, then pass each page's `next_after` until `has_next` is"
        " false: every issue that existed when the harvest began comes exactly once, whatever is liked or"
        " reported meanwhile. A report held until its reporter confirmed their email is published later"
        " with the id it got when made, dated when published: to catch those, a harvester that keeps"
        " polling also reads the first page of sort=new.",
        ge=0,
        le=2147483647,
    )
    per_page: int = absent(
        "At most 100; with bbox at most 500 (default 500 with bbox, 20 without)", ge=1, le=500
    )
    zoom: int = absent(
        "The map's zoom (0-24). At or below the server's clustering zoom (MAP_CLUSTER_MAX_ZOOM, 15 by"
        " default) the answer is clusters: every selected issue counted per grid cell of the cells bbox"
        " meets (sort, page and per_page do not apply); above it, pins as without zoom.",
        ge=0,
        le=24,
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
    hide_name: bool = absent(
        "hide the reporter's name on the public page; when left out, the account's `hide_name_default` "
        "(PATCH /account) decides"
    )


class NewIssueForm(NewIssue):
    photo: bytes = absent("a JPEG, PNG or WebP photo")


class ReportChange(RequestBody):
    """The reporter's own change of their report: the name at any time, the text while nobody else has
    taken the report up."""

    title: str = absent("the corrected title", min_length=1, max_length=120)
    description: str = absent("the corrected description", min_length=1, max_length=4000)
    hide_name: bool = absent("hide or show the reporter's name on the public page")


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


class PointQuery(RequestBody):
    lat: float = Field(description="Latitude", ge=-90, le=90)
    lon: float = Field(description="Longitude", ge=-180, le=180)


class AreaName(ResponseBody):
    id: int
    name: str


class AreaAt(ResponseBody):
    area: AreaName | None = Field(
        description="The neighbourhood a report at the point would go to; null outside the city, where a "
        "report is refused (422 on `location`)"
    )
