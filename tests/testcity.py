"""The small test city loaded before every database test: three rectangular areas and known points."""

from __future__ import annotations

from dataclasses import dataclass

from shapely.geometry import MultiPolygon, box

from geo.geojson import NamedArea

# Old Town and Riverside share the border lon = 10.01; Hillside lies north of both (lat 50.01-50.018).
AREA_BOXES: dict[str, tuple[float, float, float, float]] = {
    "Old Town": (10.000, 50.000, 10.010, 50.010),
    "Riverside": (10.010, 50.000, 10.020, 50.010),
    "Hillside": (10.000, 50.010, 10.020, 50.018),
}
CITY_BBOX = (10.000, 50.000, 10.020, 50.018)


@dataclass(frozen=True)
class Place:
    lon: float
    lat: float

    @property
    def latlon(self) -> dict[str, float]:
        return {"lat": self.lat, "lon": self.lon}


OLD_TOWN = Place(10.005, 50.005)
RIVERSIDE = Place(10.015, 50.005)
HILLSIDE = Place(10.010, 50.014)
OUTSIDE = Place(10.100, 50.100)  # well outside every area
JUST_OUTSIDE = Place(10.0205, 50.005)  # ~36 m east of Riverside's eastern edge


def city_areas() -> list[NamedArea]:
    """The city's areas, as geo/ values ready for places.import_areas."""
    return [NamedArea(name, MultiPolygon([box(*bounds)])) for name, bounds in AREA_BOXES.items()]
