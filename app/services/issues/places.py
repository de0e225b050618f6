"""Areas, categories and statuses: reference data, area import and point-in-area lookup."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Area, Category, Status
from app.models.place import StatusType
from app.shapes import geometry_element, to_geometry
from geo.areas import AreaIndex, AreaShape
from geo.geojson import NamedArea

DEFAULT_CATEGORIES: list[tuple[str, str]] = [
    ("pothole", "Pothole or road damage"),
    ("streetlight", "Broken street light"),
    ("dumping", "Illegal dumping"),
    ("graffiti", "Graffiti or vandalism"),
    ("sidewalk", "Damaged sidewalk"),
    ("traffic-sign", "Traffic sign or signal"),
    ("park", "Park or playground"),
    ("drainage", "Blocked drain or flooding"),
    ("tree", "Fallen tree or branches"),
    ("waste-bin", "Overflowing bin"),
]

# After FixMyStreet: open, closed and fixed states.
DEFAULT_STATUSES: list[tuple[str, str, StatusType]] = [
    ("new", "New", StatusType.OPEN),
    ("acknowledged", "Acknowledged", StatusType.OPEN),
    ("investigating", "Investigating", StatusType.OPEN),
    ("in-progress", "In progress", StatusType.OPEN),
    ("planned", "Planned", StatusType.OPEN),
    ("fixed", "Fixed", StatusType.FIXED),
    ("duplicate", "Duplicate", StatusType.CLOSED),
    ("not-responsible", "Not responsible", StatusType.CLOSED),
    ("no-further-action", "No further action", StatusType.CLOSED),
    ("closed", "Closed", StatusType.CLOSED),
]


def ensure_reference_data(session: DbSession) -> None:
    """Create the default categories and statuses that are missing; existing rows are kept."""
    have_categories = set(session.scalars(select(Category.code)))
    for position, (code, name) in enumerate(DEFAULT_CATEGORIES):
        if code not in have_categories:
            session.add(Category(code=code, name=name, position=position))
    have_statuses = set(session.scalars(select(Status.code)))
    for position, (code, name, kind) in enumerate(DEFAULT_STATUSES):
        if code not in have_statuses:
            session.add(Status(code=code, name=name, type=kind.value, position=position))
    session.flush()


def categories(session: DbSession) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.position, Category.name)))


def statuses(session: DbSession) -> list[Status]:
    return list(session.scalars(select(Status).order_by(Status.position, Status.name)))


def status_words(names: Mapping[str, str], code: str) -> str:
    """A status as people read it: its name, or for a status an admin deleted since (its name is gone)
    its code in words, "waiting-for-parts" as "Waiting for parts" (found from outside: the timeline,
    the feed and the audit log showed the raw code)."""
    return names.get(code) or code.replace("-", " ").capitalize()


def status_codes_of_type(session: DbSession, kind: str) -> list[str]:
    return list(session.scalars(select(Status.code).where(Status.type == kind)))


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "area"


def import_areas(session: DbSession, areas: Iterable[NamedArea]) -> tuple[int, int]:
    """Insert new areas and replace the shape of same-named ones; returns (added, updated)."""
    added = updated = 0
    for area in areas:
        existing = session.scalar(select(Area).where(Area.name == area.name))
        if existing is None:
            session.add(Area(name=area.name, slug=slugify(area.name), geom=geometry_element(area.geometry)))
            added += 1
        else:
            existing.geom = geometry_element(area.geometry)
            updated += 1
    session.flush()
    return added, updated


def area_index(session: DbSession) -> AreaIndex:
    """All areas as Shapely shapes, for point-in-area lookups in geo/."""
    rows = session.execute(select(Area.id, Area.name, Area.geom)).all()
    return AreaIndex(AreaShape(r.id, r.name, to_geometry(r.geom)) for r in rows)


def areas(session: DbSession) -> list[Area]:
    return list(session.scalars(select(Area).order_by(Area.name)))
