"""Reusable OpenAPI schemas and responses (errors, GeoJSON features, issues)."""

from __future__ import annotations

from typing import Any

ERROR_STATUSES = {
    "400": "Malformed request",
    "401": "Not authenticated",
    "403": "Not allowed for this account",
    "404": "Not found",
    "409": "Conflict with the current state",
    "413": "Upload too large",
    "422": "Invalid input (the field and the reason are given)",
    "429": "Rate limited (see the Retry-After header)",
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "field"],
                "properties": {
                    "code": {"type": "string", "examples": ["invalid"]},
                    "message": {"type": "string", "examples": ["Title is required."]},
                    "field": {"type": ["string", "null"], "examples": ["title"]},
                },
            }
        },
    },
    "Point": {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {
            "type": {"const": "Point"},
            "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        },
    },
    "IssueProperties": {
        "type": "object",
        "required": ["id", "title", "category", "status", "likes", "area", "created_at", "url"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "maxLength": 120},
            "category": {"type": "string"},
            "category_name": {"type": "string"},
            "status": {"type": "string"},
            "status_name": {"type": "string"},
            "status_type": {"enum": ["open", "closed", "fixed"]},
            "likes": {"type": "integer", "minimum": 0},
            "area": {"type": "string"},
            "area_id": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string", "format": "uri"},
            "description": {"type": "string", "maxLength": 4000},
            "reporter": {"type": ["string", "null"], "description": "null when the reporter hid their name"},
            "photos": {"type": "array", "items": {"type": "string", "format": "uri"}},
            "liked_by_me": {"type": "boolean"},
            "distance_m": {"type": "integer", "description": "suggestions only"},
        },
    },
    "IssueFeature": {
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"const": "Feature"},
            "id": {"type": "integer"},
            "geometry": {"$ref": "#/components/schemas/Point"},
            "properties": {"$ref": "#/components/schemas/IssueProperties"},
        },
    },
    "IssueCollection": {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/IssueFeature"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "has_next": {"type": "boolean"},
            "total": {"type": "integer", "description": "absent for bbox queries"},
        },
    },
    "NewIssue": {
        "type": "object",
        "required": ["lat", "lon", "category", "title", "description"],
        "properties": {
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180},
            "category": {"type": "string"},
            "title": {"type": "string", "minLength": 1, "maxLength": 120},
            "description": {"type": "string", "minLength": 1, "maxLength": 4000},
            "hide_name": {"type": "boolean", "default": False},
        },
    },
    "LikeState": {
        "type": "object",
        "required": ["likes", "liked"],
        "properties": {"likes": {"type": "integer"}, "liked": {"type": "boolean"}},
    },
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def error_responses() -> dict[str, Any]:
    return {
        code: {"description": text, **json_content(ref("Error"))} for code, text in ERROR_STATUSES.items()
    }


def errors(*codes: str) -> dict[str, Any]:
    return {code: {"$ref": f"#/components/responses/{code}"} for code in codes}
