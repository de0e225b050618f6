"""Turning issue rows into GeoJSON Features for the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import url_for

from app.services.issue_queries import IssueRow
from geo.geojson import point_feature


def issue_url_template() -> str:
    """The issue page's external URL with `{}` where the id goes.

    url_for runs once per response, not once per feature: for the map's few hundred pins it cost more
    than the whole database query (docs/benchmarks.md).
    """
    return url_for("issues.detail", issue_id=_URL_SENTINEL, _external=True).replace(str(_URL_SENTINEL), "{}")


_URL_SENTINEL = 2147483647


def issue_properties(row: IssueRow, url_template: str | None = None) -> dict[str, Any]:
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
        "url": (url_template or issue_url_template()).format(row.id),
    }


def issue_feature(row: IssueRow, *, url_template: str | None = None, **extra: Any) -> dict[str, Any]:
    properties = issue_properties(row, url_template)
    properties.update(extra)
    return point_feature(row.id, row.lon, row.lat, properties)


def issue_features(rows: Iterable[IssueRow]) -> list[dict[str, Any]]:
    """Features for a list of rows (the map, the lists), sharing one URL template."""
    template = issue_url_template()
    return [issue_feature(row, url_template=template) for row in rows]
