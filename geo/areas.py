"""Areas (neighbourhood polygons): the city boundary and point-in-area lookup, in pure Shapely."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shapely import STRtree, make_valid, union_all
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry


class AreaError(ValueError):
    """An area's geometry or name is unusable."""


def as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    """Polygons become one-part MultiPolygons; invalid rings are repaired; anything else is refused."""
    if not geometry.is_valid:
        geometry = make_valid(geometry)
        parts = [g for g in getattr(geometry, "geoms", [geometry]) if isinstance(g, Polygon | MultiPolygon)]
        geometry = union_all(parts) if parts else geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    if isinstance(geometry, MultiPolygon):
        return geometry
    raise AreaError(f"an area must be a Polygon or MultiPolygon, not {geometry.geom_type}")


@dataclass(frozen=True, slots=True)
class AreaShape:
    id: int
    name: str
    geometry: MultiPolygon


class AreaIndex:
    """Finds the area containing a point; the city boundary is the union of the areas."""

    def __init__(self, areas: Iterable[AreaShape]) -> None:
        self.areas = list(areas)
        self._tree = STRtree([a.geometry for a in self.areas])
        self.boundary: BaseGeometry = union_all([a.geometry for a in self.areas])

    def locate(self, lon: float, lat: float) -> AreaShape | None:
        """The area that holds the point; on a shared border, the one with the lowest id."""
        point = Point(lon, lat)
        hits = [self.areas[i] for i in self._tree.query(point, predicate="intersects")]
        return min(hits, key=lambda a: a.id) if hits else None

    def contains(self, lon: float, lat: float) -> bool:
        return self.locate(lon, lat) is not None
