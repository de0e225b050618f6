"""Turning issue rows into GeoJSON Features for the API."""

from __future__ import annotations

from typing import Any

import orjson

from app.services.issues.clusters import Cluster, ClusterAnswer
from app.services.issues.queries import FEATURE_PROPERTIES, FeaturePage, IssueRow
from app.services.kernel.links import external_url
from geo.geojson import point_feature


def issue_url_template() -> str:
    """The issue page's external URL with `{}` where the id goes.

    url_for runs once per response, not once per feature: for the map's few hundred pins it cost more
    than the whole database query (docs/benchmarks.md).
    """
    return external_url("issues.detail", issue_id=_URL_SENTINEL).replace(str(_URL_SENTINEL), "{}")


_URL_SENTINEL = 2147483647


def issue_properties(row: IssueRow, url_template: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {name: getattr(row, name) for name in FEATURE_PROPERTIES}
    properties["url"] = (url_template or issue_url_template()).format(row.id)
    return properties  # created_at stays a datetime: the JSON provider writes "2026-06-18T23:56:00Z"


def issue_feature(row: IssueRow, *, url_template: str | None = None, **extra: Any) -> dict[str, Any]:
    properties = issue_properties(row, url_template)
    if extra:
        properties.update(extra)
    return point_feature(row.id, row.lon, row.lat, properties)


def page_feature_collection(found: FeaturePage, **members: Any) -> dict[str, Any]:
    """A FeatureCollection of a feature_page, its Features embedded as the database stored them."""
    return {"type": "FeatureCollection", "features": orjson.Fragment(found.features_json), **members}


def cluster_feature(cluster: Cluster, zoom: int) -> dict[str, Any]:
    """A grid cell's issues as one Point Feature at their centroid; `bbox` is their extent."""
    return {
        "type": "Feature",
        "id": f"{zoom}/{cluster.column}/{cluster.row}",
        "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]},
        "bbox": cluster.extent.as_list(),
        "properties": {
            "cluster": True,
            "count": cluster.count,
            "statuses": cluster.statuses,
            "status_types": cluster.status_types,
            "cell": cluster.cell.as_list(),
        },
    }


def cluster_collection(answer: ClusterAnswer) -> dict[str, Any]:
    zoom = answer.grid.zoom
    return {
        "type": "FeatureCollection",
        "features": [cluster_feature(c, zoom) for c in answer.clusters],
        "clustered": True,
        "zoom": zoom,
        "cell_size": answer.grid.size,
        "bbox": answer.covered.as_list(),
        "total": answer.total,
    }
