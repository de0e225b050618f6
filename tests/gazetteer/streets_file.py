"""A small street file for the test city (tests/testcity.py), shaped like an OpenStreetMap export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.testcity import Place

# Willow Drive runs east-west through Old Town along OLD_TOWN's latitude; 12 Willow Drive stands 20 m north
# of OLD_TOWN. Long Street crosses from Old Town into Riverside as two OSM ways.
TWELVE_WILLOW = Place(10.005, 50.00518)
FAR_FROM_STREETS = Place(10.015, 50.0165)  # Hillside, ~330 m north of Hill Road's end


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def point(place: Place) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [place.lon, place.lat]}


STREETS: list[dict[str, Any]] = [
    feature(line((10.001, 50.005), (10.009, 50.005)), name="Willow Drive", highway="residential"),
    feature(line((10.011, 50.007), (10.019, 50.007)), name="Rue de l'Église", highway="residential"),
    feature(line((10.002, 50.002), (10.008, 50.002)), name="Long Street", highway="primary"),
    feature(line((10.008, 50.002), (10.018, 50.002)), name="Long Street", highway="primary"),
    feature(line((10.002, 50.0125), (10.012, 50.0125)), name="Hill Road", highway="residential"),
    feature(line((10.003, 50.003), (10.004, 50.004)), highway="service"),  # unnamed: skipped
    feature(point(TWELVE_WILLOW), **{"addr:housenumber": "12", "addr:street": "Willow Drive"}),
    feature(point(Place(10.016, 50.0071)), name="Old Mill", tourism="attraction"),
]


def collection(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def write_streets(folder: Path, features: list[dict[str, Any]] | None = None) -> Path:
    path = folder / "streets.geojson"
    path.write_text(collection(STREETS if features is None else features), encoding="utf-8")
    return path
