"""OpenAPI paths of the officials' exports: every filtered issue as streamed CSV or GeoJSON."""

from __future__ import annotations

from typing import Any

from app.api.openapi_schemas import errors

AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


FILTERS = [
    _query("area", "Area id", {"type": "integer", "minimum": 1}),
    _query("category", "Category code", {"type": "string"}),
    _query(
        "status",
        "Status codes and/or types (open, closed, fixed), comma-separated; default open",
        {"type": "string", "default": "open"},
    ),
    _query("from", "Reported on or after this day (YYYY-MM-DD)", {"type": "string", "format": "date"}),
    _query("to", "Reported on or before this day (YYYY-MM-DD)", {"type": "string", "format": "date"}),
    _query("min_likes", "At least this many likes", {"type": "integer", "minimum": 0}),
]
CSV_COLUMNS = (
    "id, title, description, category, status, status_type, area, created, acknowledged, fixed, closed, "
    "likes, latitude, longitude, url"
)


def _export(summary: str, operation_id: str, media: str, description: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "description": (
                "The priority dashboard's filters as query parameters. The body is streamed (rows are read "
                "in keyset pages), so every issue of a city exports in constant memory; ordered by id. "
                "Hidden issues are left out."
            ),
            "operationId": operation_id,
            "security": AUTH,
            "parameters": FILTERS,
            "responses": {
                "200": {
                    "description": description,
                    "headers": {
                        "Content-Disposition": {
                            "description": "attachment; filename=commonfix-issues-<time>.<ext>",
                            "schema": {"type": "string"},
                        }
                    },
                    "content": {media: {"schema": {"type": "string"}}},
                },
                **errors("401", "403", "422"),
            },
        }
    }


EXPORT_PATHS: dict[str, Any] = {
    "/exports/issues.csv": _export(
        "Export the filtered issues as CSV (officials and admins)",
        "exportIssuesCsv",
        "text/csv",
        f"One row per issue with the columns {CSV_COLUMNS}. Cells starting with = + - @ are prefixed "
        "with ' so spreadsheets show them as text.",
    ),
    "/exports/issues.geojson": _export(
        "Export the filtered issues as a GeoJSON FeatureCollection (officials and admins)",
        "exportIssuesGeojson",
        "application/geo+json",
        "A FeatureCollection of Points (lon, lat) with the CSV's fields as properties.",
    ),
}
