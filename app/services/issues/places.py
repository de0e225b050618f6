"""Areas, categories and statuses: reference data, area import and point-in-area lookup."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Area, Category, Status
from app.models.place import StatusType
from app.services.kernel import audit
from app.services.kernel.errors import Conflict, DomainError, NotFound, ValidationError
from app.services.kernel.text import clean_line_name, is_invisible, is_mark, name_key
from app.shapes import geometry_element, to_geometry
from geo.areas import AreaIndex, AreaShape, overlaps
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


AREA_NAME_MAX = 120  # areas.name
SLUG_MAX = 120  # areas.slug


def slugify(name: str) -> str:
    """A name as a slug: lower-cased, compatibility forms folded (NFKC), words joined by hyphens. Latin
    letters lose their accents ("Café" is "cafe"); the letters, digits and marks of other scripts stay as
    they are ("Центр" is "центр"): no transliterator is installed, and found from outside every Cyrillic,
    Greek, Arabic or Chinese name had become "area"."""
    kept: list[str] = []
    for c in unicodedata.normalize("NFKC", name).lower():
        if is_invisible(c):
            continue
        if unicodedata.category(c)[0] not in "LNM":
            kept.append("-")
            continue
        base = unicodedata.normalize("NFKD", c)
        if base[0].isascii() and all(is_mark(m) for m in base[1:]):
            kept.append(base[0])  # a Latin letter and its accents
        elif is_mark(c) and (not kept or kept[-1].isascii()):
            continue  # an accent on a Latin letter, or on nothing
        else:
            kept.append(c)
    slug = re.sub(r"-+", "-", "".join(kept)).strip("-")
    return slug[: SLUG_MAX - 4].rstrip("-") or "area"


def free_slug(name: str, taken: set[str]) -> str:
    """The name's slug, followed by -2, -3, ... when another area holds it already."""
    base = slugify(name)
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _feature(number: int, name: str) -> str:
    shown = name if len(name) <= 60 else name[:59] + "…"
    return f"feature {number} ({shown!r})"


def import_areas(
    session: DbSession, areas: Iterable[NamedArea], *, allow_overlap: bool = False
) -> tuple[int, int]:
    """Insert new areas and replace the shape of same-named ones; returns (added, updated).

    All or nothing: a feature refused (its name, one reading as another area's name, a shape covering
    more than half of another area or of itself covered by one) raises a DomainError naming it before
    anything is written. Found from outside: a slug taken twice stopped the import with a traceback,
    a 200-character name was stored, and an area's own polygon imported under a second name was
    stored beside it, forever empty (reports go to the lower id)."""
    existing = list(session.scalars(select(Area).order_by(Area.id)))
    by_name = {a.name: a for a in existing}
    by_key = {name_key(a.name): a for a in existing}
    file_keys: dict[str, tuple[int, str]] = {}
    # The areas as they will be: each existing one, its shape replaced when the file names it, then the
    # file's new ones; `labels` says how a refusal names each.
    shapes = [to_geometry(a.geom) for a in existing]
    labels = [f"the area {a.name!r}" for a in existing]
    index_of = {a.id: i for i, a in enumerate(existing)}
    from_file: list[int] = []
    new: list[tuple[str, NamedArea]] = []
    updates: list[tuple[Area, NamedArea]] = []
    for number, area in enumerate(areas, start=1):
        try:
            name = clean_line_name(area.name, AREA_NAME_MAX)
        except DomainError as exc:
            raise ValidationError(f"{_feature(number, area.name)}: {exc.message}", "name") from None
        key = name_key(name)
        if key in file_keys:
            earlier, earlier_name = file_keys[key]
            raise ValidationError(
                f"{_feature(number, name)}: reads as the name of {_feature(earlier, earlier_name)}; "
                "two areas must be told apart by more than case or spacing.",
                "name",
            )
        file_keys[key] = (number, name)
        same = by_name.get(name)
        if same is None and key in by_key:
            other = by_key[key].name
            raise ValidationError(
                f"{_feature(number, name)}: reads as the existing area {other!r}; spell it {other!r} to "
                "replace that area's shape, or give it a name of its own "
                "(rename-area changes an area's name).",
                "name",
            )
        if same is not None:
            updates.append((same, area))
            shapes[index_of[same.id]] = area.geometry
            labels[index_of[same.id]] = _feature(number, name)
            from_file.append(index_of[same.id])
        else:
            new.append((name, area))
            from_file.append(len(shapes))
            shapes.append(area.geometry)
            labels.append(_feature(number, name))
    if not allow_overlap:
        for found in overlaps(shapes, from_file):
            later, earlier = found.second, found.first
            one, two = (later, earlier) if later in from_file else (earlier, later)
            raise Conflict(
                f"{labels[one]} overlaps {labels[two]} on {found.share:.0%} of the smaller one: a "
                "report there would go to one of them only. Fix the file, rename an area with "
                "rename-area, or pass --allow-overlap to import it anyway.",
                "geometry",
            )
    taken = {a.slug for a in existing}
    for name, area in new:
        slug = free_slug(name, taken)
        taken.add(slug)
        session.add(Area(name=name, slug=slug, geom=geometry_element(area.geometry)))
    for row, area in updates:
        row.geom = geometry_element(area.geometry)
    session.flush()
    return len(new), len(updates)


@dataclass(frozen=True)
class AreaRenamed:
    area: Area
    before: str


def rename_area(session: DbSession, old: str, new: object) -> AreaRenamed:
    """Give the area named `old` (spelt as stored, or differing only in case or spacing) the name `new`,
    held to the import's rules, and the slug of that name; audited as "area.rename" by the command."""
    rows = list(session.scalars(select(Area).order_by(Area.id)))
    area = next((a for a in rows if a.name == old), None)
    if area is None:
        alike = [a for a in rows if name_key(a.name) == name_key(old)]
        if len(alike) != 1:
            raise NotFound(f"There is no area {old[:AREA_NAME_MAX]!r}.", "name")
        area = alike[0]
    name = clean_line_name(new, AREA_NAME_MAX)
    if name == area.name:
        raise ValidationError(f"The area is already named {name!r}.", "name")
    for other in rows:
        if other.id != area.id and name_key(other.name) == name_key(name):
            raise Conflict(f"The area {other.name!r} already has that name: choose another.", "name")
    before = area.name
    slug = free_slug(name, {a.slug for a in rows if a.id != area.id})
    details = {"before": before, "name": name, "slug": slug, "slug_before": area.slug}
    area.name, area.slug = name, slug
    audit.record_unattended(session, "command", "area.rename", "area", area.id, details)
    session.flush()
    return AreaRenamed(area, before)


def area_index(session: DbSession) -> AreaIndex:
    """All areas as Shapely shapes, for point-in-area lookups in geo/."""
    rows = session.execute(select(Area.id, Area.name, Area.geom)).all()
    return AreaIndex(AreaShape(r.id, r.name, to_geometry(r.geom)) for r in rows)


def areas(session: DbSession) -> list[Area]:
    return list(session.scalars(select(Area).order_by(Area.name)))
