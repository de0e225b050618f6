"""Shared API shapes: the base classes, the error envelope, GeoJSON geometries and optional fields."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ResponseBody(BaseModel):
    """A response shape: fields it does not list are drift, so the contract refuses them."""

    model_config = ConfigDict(extra="forbid")


class RequestBody(BaseModel):
    """A request shape; the services validate the values and name the field in their 422s."""


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def absent(description: str | None = None, **constraints: Any) -> Any:
    """A field that may be missing from the JSON; when present it has its declared type."""
    return Field(default=None, description=description, json_schema_extra=_drop_default, **constraints)


URI: Any = Field(json_schema_extra={"format": "uri"})


class ErrorDetail(ResponseBody):
    code: str = Field(examples=["invalid"])
    message: str = Field(examples=["Title is required."])
    field: str | None = Field(examples=["title"], description="the input field at fault, if any")


class Error(ResponseBody):
    """Every error: `{"error": {"code", "message", "field"}}`."""

    error: ErrorDetail


class Point(ResponseBody):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="lon, lat (EPSG:4326)")


class MultiPolygon(ResponseBody):
    type: Literal["MultiPolygon"]
    coordinates: list[list[list[list[float]]]]


class Health(ResponseBody):
    status: Literal["ok"]


class Check(ResponseBody):
    ok: bool
    detail: str = Field(examples=["answers"], description="what was found, or what failed")


class ReadinessChecks(ResponseBody):
    database: Check = Field(description="the database answers a trivial query")
    migrations: Check = Field(description="the database's schema is at this code's head revision")
    queue: Check = Field(description="the job queue's storage (Redis, or the embedded queue) answers")
    photos: Check = Field(description="a photo can be saved (the photo store's folder takes a file)")


class Readiness(ResponseBody):
    status: Literal["ready", "not_ready"]
    checks: ReadinessChecks
