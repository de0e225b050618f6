"""Turning issue rows into GeoJSON Features for the API."""

from __future__ import annotations

from typing import Any

from flask import url_for

from app.services.issue_queries import IssueRow
from geo.geojson import point_feature


def issue_properties(row: IssueRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "category": row.category,
        "category_name": row.category_name,
        "status": row.status,
        "status_name": row.status_name,
        "status_type": row.status_type,
        "likes": row.likes,
        "area": row.area,
        "area_id": row.area_id,
        "created_at": row.created_at.isoformat(timespec="seconds") + "Z",
        "url": url_for("issues.detail", issue_id=row.id, _external=True),
    }


def issue_feature(row: IssueRow, **extra: Any) -> dict[str, Any]:
    properties = issue_properties(row)
    properties.update(extra)
    return point_feature(row.id, row.lon, row.lat, properties)
