"""Street gazetteers from GeoJSON (e.g. an OpenStreetMap export): named streets, addresses, landmarks, and
the nearest street to a point, measured in metres."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import shapely
from shapely import STRtree, affinity
from shapely import points as make_points
from shapely.geometry import LineString, MultiLineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge

from geo.distance import distance_m
from geo.place_names import HOUSENUMBER_MAX, NAME_MAX

T = TypeVar("T")


class GazetteerError(ValueError):
    """A street file that cannot be read; the message names the feature and what is wrong."""


@dataclass(frozen=True, slots=True)
class NamedStreet:
    name: str
    geometry: MultiLineString


@dataclass(frozen=True, slots=True)
class StreetAddress:
    street: str
    housenumber: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Landmark:
    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Gazetteer:
    streets: list[NamedStreet]
    addresses: list[StreetAddress]
    landmarks: list[Landmark]


def _text(props: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = props.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return " ".join(str(value).split())
    return ""


def _in_range(geometry: BaseGeometry) -> bool:
    min_x, min_y, max_x, max_y = geometry.bounds
    return bool(-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90)


def _lines(geometry: BaseGeometry) -> list[LineString]:
    if isinstance(geometry, LineString):
        return [geometry]
    if isinstance(geometry, MultiLineString):
        return list(geometry.geoms)
    return []


def read_gazetteer(text: str) -> Gazetteer:
    """Streets (named LineStrings and MultiLineStrings; `highway` ways in an OSM export), addresses
    (Points with `addr:housenumber` and `addr:street`) and landmarks (other named Points) from a GeoJSON
    FeatureCollection. Ways of one name make one street (its parts, as read); features that are none of these
    (unnamed ways, polygons) are skipped. Raises GazetteerError naming the feature at fault."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GazetteerError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GazetteerError("expected a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise GazetteerError("the FeatureCollection's 'features' must be a list")
    ways: dict[str, list[LineString]] = {}
    addresses: dict[tuple[str, str], StreetAddress] = {}
    landmarks: dict[str, Landmark] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise GazetteerError(f"feature {number} is not a GeoJSON Feature object")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise GazetteerError(f"feature {number}: 'properties' must be an object")
        if feature.get("geometry") is None:
            continue
        try:
            geometry = shape(feature["geometry"])
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise GazetteerError(f"feature {number}: unreadable geometry: {exc}") from None
        if geometry.is_empty:
            continue
        if not _in_range(geometry):
            raise GazetteerError(f"feature {number}: coordinates are not lon/lat in EPSG:4326")
        name = _text(props, "name")[:NAME_MAX]
        if isinstance(geometry, Point):
            street = _text(props, "addr:street")[:NAME_MAX]
            housenumber = _text(props, "addr:housenumber")[:HOUSENUMBER_MAX]
            if street and housenumber:
                addresses[(street, housenumber)] = StreetAddress(street, housenumber, geometry.x, geometry.y)
            elif name:
                landmarks[name] = Landmark(name, geometry.x, geometry.y)
            continue
        lines = _lines(geometry)
        if name and lines:
            ways.setdefault(name, []).extend(lines)
    streets = [NamedStreet(name, MultiLineString(lines)) for name, lines in ways.items()]
    if not streets and not addresses and not landmarks:
        raise GazetteerError("the file holds no named streets, addresses or landmarks")
    return Gazetteer(streets, list(addresses.values()), list(landmarks.values()))


def merged(lines: Sequence[LineString]) -> MultiLineString:
    """Ways that meet end to end become one line (an OSM street is often many ways)."""
    merged = linemerge(MultiLineString(list(lines)))
    return MultiLineString(_lines(merged) or list(lines))


def _local(geometry: BaseGeometry, lat: float) -> BaseGeometry:
    """Degrees of longitude shrunk to the length of degrees of latitude at `lat`, so planar nearest-point
    arithmetic agrees with the ground at city scale."""
    return _scaled(geometry, math.cos(math.radians(lat)))


def nearest_point_on(geometry: BaseGeometry, lon: float, lat: float) -> tuple[float, float]:
    """The point of a line geometry nearest to (lon, lat), as lon, lat."""
    scale = math.cos(math.radians(lat))
    local = _local(geometry, lat)
    here = Point(lon * scale, lat)
    foot = min((part.interpolate(part.project(here)) for part in _lines(local)), key=here.distance)
    return foot.x / scale, foot.y


@dataclass(frozen=True, slots=True)
class Nearest(Generic[T]):
    item: T
    distance_m: float


def nearest_line(
    lon: float, lat: float, candidates: Iterable[tuple[T, BaseGeometry]], radius_m: float
) -> Nearest[T] | None:
    """The candidate line nearest to (lon, lat) within `radius_m` metres (ellipsoidal), or None.

    The candidates are ranked at once (shapely's vectorised distance, in a frame scaled to the latitude),
    and the winner's distance is measured exactly."""
    found = list(candidates)
    if not found:
        return None
    scale = math.cos(math.radians(lat))
    local = shapely.transform(np.array([g for _, g in found], dtype=object), lambda xy: xy * (scale, 1.0))
    best = int(np.argmin(shapely.distance(local, Point(lon * scale, lat))))
    item, geometry = found[best]
    foot_lon, foot_lat = nearest_point_on(geometry, lon, lat)
    metres = distance_m(lon, lat, foot_lon, foot_lat)
    return Nearest(item, metres) if metres <= radius_m else None


def bounds_of(geometry: BaseGeometry) -> tuple[float, float, float, float]:
    min_x, min_y, max_x, max_y = geometry.bounds
    return float(min_x), float(min_y), float(max_x), float(max_y)


METRES_PER_DEGREE = 111_320.0


class StreetIndex:
    """Every street and address of a gazetteer in memory, to name many points at once (loading a city).
    Distances are planar in degrees scaled to the city's latitude: within a metre of `nearest_line` at
    city scale, and thousands of times faster for a million points."""

    def __init__(self, gazetteer: Gazetteer, lat0: float) -> None:
        self.scale = math.cos(math.radians(lat0))
        self.streets = gazetteer.streets
        self.addresses = gazetteer.addresses
        self._street_tree = STRtree([_scaled(s.geometry, self.scale) for s in self.streets])
        self._address_tree = STRtree([Point(a.lon * self.scale, a.lat) for a in self.addresses])

    def places(
        self, points: Sequence[tuple[float, float]], street_m: float, address_m: float
    ) -> list[tuple[str, str | None] | None]:
        """(street, house number or None) nearest to each (lon, lat), or None beyond `street_m`."""
        local = make_points([(lon * self.scale, lat) for lon, lat in points])
        found: list[tuple[str, str | None] | None] = [None] * len(points)
        if len(self.streets):
            hits = self._street_tree.query_nearest(local, max_distance=street_m / METRES_PER_DEGREE)
            for point_index, street_index in zip(hits[0], hits[1], strict=True):
                if found[point_index] is None:
                    found[point_index] = (self.streets[street_index].name, None)
        if len(self.addresses):
            hits = self._address_tree.query_nearest(local, max_distance=address_m / METRES_PER_DEGREE)
            for point_index, address_index in zip(hits[0], hits[1], strict=True):
                address = self.addresses[address_index]
                found[point_index] = (address.street, address.housenumber)
        return found


def _scaled(geometry: BaseGeometry, scale: float) -> BaseGeometry:
    return affinity.scale(geometry, xfact=scale, yfact=1.0, origin=(0, 0))


def middle_of(geometry: BaseGeometry) -> tuple[float, float]:
    """A point on the street, halfway along its longest part (a bounding box's centre may be off it)."""
    longest = max(_lines(geometry), key=lambda line: line.length)
    middle = longest.interpolate(0.5, normalized=True)
    return float(middle.x), float(middle.y)
