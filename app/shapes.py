"""The boundary between stored geometries and Shapely: WKB never reaches geo/, Shapely never reaches SQL."""

from __future__ import annotations

import shapely
from geoalchemy2.elements import WKBElement, WKTElement
from geoalchemy2.shape import from_shape, to_shape
from shapely import wkb
from shapely.geometry.base import BaseGeometry

SRID = 4326


def point_element(lon: float, lat: float) -> WKTElement:
    return WKTElement(f"POINT({lon!r} {lat!r})", srid=SRID)


def geometry_element(geometry: BaseGeometry) -> WKBElement:
    """A Shapely geometry as a value for a geometry column (an area's outline, a street's lines)."""
    return from_shape(geometry, srid=SRID)


def to_geometry(element: WKBElement | bytes | memoryview) -> BaseGeometry:
    if isinstance(element, bytes | memoryview):
        return wkb.loads(bytes(element))
    return to_shape(element)


def to_geometries(elements: list[WKBElement]) -> list[BaseGeometry]:
    """Many stored geometries at once (shapely parses the array in one call)."""
    # WKB bytes, or hex text (as SpatiaLite's rows may hold it): shapely reads both.
    data = [e.data if isinstance(e.data, str) else bytes(e.data) for e in elements]
    return list(shapely.from_wkb(data)) if data else []
