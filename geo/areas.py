"""Areas (neighbourhood polygons): the city boundary and point-in-area lookup, in pure Shapely."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


# More than this share of the smaller of two areas covered by the other: they are one place twice.
OVERLAP_MAX = 0.5


def overlap_share(first: BaseGeometry, second: BaseGeometry) -> float:
    """How much of the smaller of two areas the other covers: 0 apart or only touching, 1 when one holds
    the other (shares of degrees squared: both lie at the same latitude, so the scale cancels)."""
    smaller = min(first.area, second.area)
    if smaller <= 0:
        return 0.0
    return float(first.intersection(second).area / smaller)


@dataclass(frozen=True, slots=True)
class Overlap:
    first: int
    second: int
    share: float


def overlaps(
    shapes: Sequence[BaseGeometry], among: Iterable[int], limit: float = OVERLAP_MAX
) -> list[Overlap]:
    """The pairs of `shapes` (indexes, first < second) with at least one of them in `among`, of which
    one covers more than `limit` of the smaller one's area. A point there lies in both, and
    `AreaIndex.locate` gives it to the lower id, so the other area would stay empty."""
    tree = STRtree(list(shapes))
    found: dict[tuple[int, int], float] = {}
    for i in sorted(set(among)):
        for j in tree.query(shapes[i], predicate="intersects"):
            pair = (min(i, int(j)), max(i, int(j)))
            if pair[0] != pair[1] and pair not in found:
                found[pair] = overlap_share(shapes[pair[0]], shapes[pair[1]])
    return [Overlap(a, b, share) for (a, b), share in sorted(found.items()) if share > limit]
