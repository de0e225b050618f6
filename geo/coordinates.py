"""Coordinates and bounding boxes parsed from untrusted input (lon, lat order, EPSG:4326)."""

from __future__ import annotations

import math
from dataclasses import dataclass


class CoordinateError(ValueError):
    """Bad coordinate input; `field` names the offending parameter."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def as_list(self) -> list[float]:
        return [self.min_lon, self.min_lat, self.max_lon, self.max_lat]


def parse_number(field: str, raw: object) -> float:
    """A finite float from a string or number; booleans and blanks are refused."""
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        raise CoordinateError(field, f"{field} is required and must be a number")
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            # float() also reads other scripts' digits (Arabic-Indic, fullwidth) and underscores ("5_1"):
            # not numbers here.
            if not text.isascii() or "_" in text:
                raise ValueError(text)
            value = float(text)
        except ValueError:
            raise CoordinateError(field, f"{field} must be a number, not {raw[:40]!r}") from None
    else:
        raise CoordinateError(field, f"{field} must be a number")
    if not math.isfinite(value):
        raise CoordinateError(field, f"{field} must be a finite number")
    return value


# Stored (and so published) coordinates keep 7 decimals: about 1 cm, finer than any phone's GPS.
COORDINATE_DECIMALS = 7


def parse_lat(raw: object, field: str = "lat") -> float:
    value = parse_number(field, raw)
    if not -90.0 <= value <= 90.0:
        raise CoordinateError(field, f"{field} must be between -90 and 90, not {value:g}")
    return value


def parse_lon(raw: object, field: str = "lon") -> float:
    value = parse_number(field, raw)
    if not -180.0 <= value <= 180.0:
        raise CoordinateError(field, f"{field} must be between -180 and 180, not {value:g}")
    return value


def parse_bbox(raw: str, field: str = "bbox") -> BBox:
    """`minlon,minlat,maxlon,maxlat` as in the API's `bbox` parameter."""
    parts = raw.split(",")
    if len(parts) != 4:
        raise CoordinateError(field, f"{field} must be minlon,minlat,maxlon,maxlat")
    min_lon = parse_lon(parts[0], field)
    min_lat = parse_lat(parts[1], field)
    max_lon = parse_lon(parts[2], field)
    max_lat = parse_lat(parts[3], field)
    if min_lon > max_lon or min_lat > max_lat:
        raise CoordinateError(field, f"{field} minimums must not exceed its maximums")
    return BBox(min_lon, min_lat, max_lon, max_lat)
