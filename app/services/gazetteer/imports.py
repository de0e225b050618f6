"""Importing a gazetteer (geo.streets.read_gazetteer's result): idempotent, keyed by folded names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shapely.geometry import LineString
from sqlalchemy import delete, insert, select, update

from app.database.sessions import DbSession
from app.database.spellings import upsert_rows
from app.models import Address, Area, Landmark, Street, StreetWord
from app.shapes import geometry_element, point_element, to_geometry
from geo.areas import AreaIndex, AreaShape
from geo.place_names import fold, word_tails
from geo.streets import Gazetteer, bounds_of, merged

CHUNK = 2000


@dataclass(frozen=True)
class ImportSummary:
    streets_added: int
    streets_updated: int
    addresses: int
    landmarks: int

    def __str__(self) -> str:
        return (
            f"{self.streets_added} streets added, {self.streets_updated} updated; "
            f"{self.addresses} addresses and {self.landmarks} landmarks loaded."
        )


def area_shapes(session: DbSession) -> AreaIndex:
    rows = session.execute(select(Area.id, Area.name, Area.geom)).all()
    return AreaIndex(AreaShape(r.id, r.name, to_geometry(r.geom)) for r in rows)


def _area_id(areas: AreaIndex, line: LineString) -> int | None:
    point = line.interpolate(0.5, normalized=True)
    area = areas.locate(point.x, point.y)
    return area.id if area is not None else None


def _street_rows(gazetteer: Gazetteer, areas: AreaIndex) -> dict[str, dict[str, Any]]:
    """One row per (street name, area): a street crossing two neighbourhoods is found in each."""
    parts: dict[tuple[str, int | None], tuple[str, list[LineString]]] = {}
    for street in gazetteer.streets:
        folded = fold(street.name)
        if not folded:
            continue
        for line in street.geometry.geoms:
            entry = parts.setdefault((folded, _area_id(areas, line)), (street.name, []))
            entry[1].append(line)
    rows: dict[str, dict[str, Any]] = {}
    for (folded, area_id), (name, lines) in parts.items():
        geometry = merged(lines)
        min_lon, min_lat, max_lon, max_lat = bounds_of(geometry)
        key = f"{folded}|{area_id or 0}"
        rows[key] = {
            "key": key,
            "name": name,
            "area_id": area_id,
            "min_lon": min_lon,
            "min_lat": min_lat,
            "max_lon": max_lon,
            "max_lat": max_lat,
            "geom": geometry_element(geometry),
        }
    return rows


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def import_gazetteer(session: DbSession, gazetteer: Gazetteer) -> ImportSummary:
    """Insert new streets and replace the shape of known ones (same folded name in the same area);
    addresses and landmarks are upserted by street and number, and by name. Importing a file twice
    changes nothing the second time."""
    rows = _street_rows(gazetteer, area_shapes(session))
    known = dict(session.execute(select(Street.key, Street.id)).tuples().all())
    new = [row for key, row in rows.items() if key not in known]
    changed = [{**row, "id": known[key]} for key, row in rows.items() if key in known]
    for chunk in _chunks(new):
        session.execute(insert(Street), chunk)
    for chunk in _chunks(changed):
        session.execute(update(Street), chunk)
    ids = dict(session.execute(select(Street.key, Street.id)).tuples().all())
    touched = [ids[key] for key in rows]
    for chunk in _chunks(touched):
        session.execute(delete(StreetWord).where(StreetWord.street_id.in_(chunk)))
    words = [
        {"street_id": ids[key], "tail": tail, "is_start": position == 0}
        for key in rows
        for position, tail in enumerate(dict.fromkeys(word_tails(key.split("|")[0])))
    ]
    for chunk in _chunks(words):
        session.execute(insert(StreetWord), chunk)
    addresses = [
        {
            "street_key": fold(a.street),
            "street": a.street,
            "housenumber": a.housenumber,
            "lon": a.lon,
            "lat": a.lat,
            "geom": point_element(a.lon, a.lat),
        }
        for a in gazetteer.addresses
        if fold(a.street)
    ]
    address_upsert = upsert_rows(
        session, Address, ["street_key", "housenumber"], ["street", "lon", "lat", "geom"]
    )
    for chunk in _chunks(addresses):
        session.execute(address_upsert, chunk)
    areas = area_shapes(session)
    landmarks = []
    for landmark in gazetteer.landmarks:
        area = areas.locate(landmark.lon, landmark.lat)
        landmarks.append(
            {
                "name": landmark.name,
                "search_key": fold(landmark.name),
                "area_id": area.id if area else None,
                "lon": landmark.lon,
                "lat": landmark.lat,
            }
        )
    landmark_upsert = upsert_rows(session, Landmark, ["name"], ["search_key", "area_id", "lon", "lat"])
    for chunk in _chunks(landmarks):
        session.execute(landmark_upsert, chunk)
    session.flush()
    return ImportSummary(len(new), len(changed), len(addresses), len(landmarks))
