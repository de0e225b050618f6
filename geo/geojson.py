"""GeoJSON building and reading (RFC 7946: lon, lat order, EPSG:4326)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.areas import AreaError, as_multipolygon


def point_feature(feature_id: int, lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    """A Point Feature holding `properties` itself (not a copy: callers pass a fresh dict).

    The coordinates go out as stored; stored ones are rounded to COORDINATE_DECIMALS when reported.
    """
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def geometry_of(geometry: BaseGeometry) -> dict[str, Any]:
    """A geometry as GeoJSON, polygons wound as RFC 7946 §3.1.6 requires: outer rings counterclockwise,
    holes clockwise (stored outlines keep whatever winding their source had)."""
    return dict(mapping(shapely.orient_polygons(geometry, exterior_cw=False)))


def geometry_feature(
    feature_id: int, geometry: BaseGeometry, properties: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": feature_id,
        "geometry": geometry_of(geometry),
        "properties": dict(properties),
    }


def feature_collection(features: Iterable[dict[str, Any]], **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **members}


@dataclass(frozen=True, slots=True)
class NamedArea:
    name: str
    geometry: MultiPolygon


def read_areas(text: str) -> list[NamedArea]:
    """Areas from a GeoJSON FeatureCollection of (Multi)Polygons with a `name` property."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AreaError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise AreaError("expected a GeoJSON FeatureCollection")
    areas: list[NamedArea] = []
    seen: set[str] = set()
    features = document.get("features") or []
    if not isinstance(features, list):
        raise AreaError("the FeatureCollection's 'features' must be a list")
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            raise AreaError(f"feature {number} is not a GeoJSON Feature object")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise AreaError(f"feature {number}: 'properties' must be an object")
        name = str(props.get("name") or "").strip()
        if not name:
            raise AreaError(f"feature {number} has no 'name' property")
        if name in seen:
            raise AreaError(f"feature {number}: the name {name!r} is used twice")
        seen.add(name)
        try:
            geometry = shape(feature.get("geometry"))
        except (AttributeError, TypeError, ValueError, KeyError) as exc:
            raise AreaError(f"feature {number} ({name}): unreadable geometry: {exc}") from None
        try:
            areas.append(NamedArea(name, as_multipolygon(geometry)))
        except AreaError as exc:
            raise AreaError(f"feature {number} ({name}): {exc}") from None
        bounds = geometry.bounds
        if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
            raise AreaError(f"feature {number} ({name}): coordinates are not lon/lat in EPSG:4326")
    if not areas:
        raise AreaError("the file holds no areas")
    return areas
