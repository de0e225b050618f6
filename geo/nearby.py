"""Nearby same-category problems ("Already reported?"): exact distance filter and ordering."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from geo.distance import distance_m

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Located(Generic[T]):
    item: T
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class Nearby(Generic[T]):
    item: T
    distance_m: float


def nearest_within(
    lon: float, lat: float, candidates: Iterable[Located[T]], radius_m: float, limit: int
) -> list[Nearby[T]]:
    """Candidates within `radius_m` metres of (lon, lat), nearest first, at most `limit`."""
    found = []
    for c in candidates:
        d = distance_m(lon, lat, c.lon, c.lat)
        if d <= radius_m:
            found.append(Nearby(c.item, d))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]
