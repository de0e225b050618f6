"""Reverse lookup in the gazetteer: the street (and house number) nearest to a point, as words."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from app.database.sessions import DbSession
from app.database.spellings import dialect_of, within_bbox
from app.models import Address, Area, Issue, Street
from app.shapes import to_geometries
from geo.distance import bbox_around
from geo.nearby import Located, nearest_within
from geo.place_names import describe
from geo.streets import nearest_line

NEAR_FIRST_M = 50.0


@dataclass(frozen=True)
class Radii:
    street_m: float
    address_m: float


def nearest_street(session: DbSession, lon: float, lat: float, radius_m: float) -> str | None:
    """The name of the street nearest to (lon, lat) within `radius_m` metres: candidates come from the
    spatial index by bounding box, the exact distance from geo/. A small box is tried first: in a dense
    city it holds a street, and the nearest street is then surely in it, among far fewer candidates."""
    for reach in dict.fromkeys((min(NEAR_FIRST_M, radius_m), radius_m)):
        box = bbox_around(lon, lat, reach)
        bounds = (box.min_lon, box.min_lat, box.max_lon, box.max_lat)
        rows = session.execute(
            select(Street.name, Street.geom).where(
                within_bbox(dialect_of(session), "streets", Street.id, Street.geom, bounds)
            )
        ).all()
        shapes = to_geometries([r.geom for r in rows])
        found = nearest_line(lon, lat, zip([r.name for r in rows], shapes, strict=True), reach)
        if found is not None:
            return str(found.item)
    return None


def nearest_address(session: DbSession, lon: float, lat: float, radius_m: float) -> tuple[str, str] | None:
    """(street, house number) of the address nearest to (lon, lat) within `radius_m` metres."""
    box = bbox_around(lon, lat, radius_m)
    rows = session.execute(
        select(Address.street, Address.housenumber, Address.lon, Address.lat).where(
            within_bbox(
                dialect_of(session),
                "addresses",
                Address.id,
                Address.geom,
                (box.min_lon, box.min_lat, box.max_lon, box.max_lat),
            )
        )
    ).all()
    near = nearest_within(
        lon, lat, (Located((r.street, r.housenumber), r.lon, r.lat) for r in rows), radius_m, 1
    )
    return near[0].item if near else None


def gazetteer_place(session: DbSession, lon: float, lat: float, area: str | None, radii: Radii) -> str | None:
    """ "near 12 Willow Drive, Station Quarter" when an address is close, else "on Willow Drive, Station
    Quarter"; None where no street is within reach."""
    address = nearest_address(session, lon, lat, radii.address_m)
    if address is not None:
        return describe(address[0], area, address[1])
    street = nearest_street(session, lon, lat, radii.street_m)
    return describe(street, area) if street else None


def unplaced_issues(session: DbSession, everything: bool = False) -> list[tuple[int, float, float, str]]:
    """(id, lon, lat, area name) of the issues without a place (or of every issue)."""
    query = select(Issue.id, Issue.lon, Issue.lat, Area.name).join(Area, Area.id == Issue.area_id)
    if not everything:
        query = query.where(Issue.place.is_(None))
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(query.order_by(Issue.id))]


def placed_issues_of_area(session: DbSession, area_id: int) -> list[tuple[int, float, float, str]]:
    """(id, lon, lat, area name) of the area's issues whose place is named (it ends in the area's name)."""
    query = (
        select(Issue.id, Issue.lon, Issue.lat, Area.name)
        .join(Area, Area.id == Issue.area_id)
        .where(Issue.area_id == area_id, Issue.place.is_not(None))
    )
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(query.order_by(Issue.id))]


def store_places(session: DbSession, places: dict[int, str | None]) -> None:
    """Write found places; an UPDATE of `place` alone fires none of the triggers that keep the map."""
    rows = [{"id": issue_id, "place": place} for issue_id, place in places.items() if place]
    if rows:
        session.execute(update(Issue), rows)
    session.flush()
