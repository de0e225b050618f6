"""Finding places by name as a resident types: areas, streets and landmarks, accent- and case-insensitive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Select, String, bindparam, select

from app.database.sessions import DbSession
from app.database.spellings import dialect_of, starts_with
from app.models import Area, Landmark, Street, StreetWord
from app.services.kernel.errors import ValidationError
from app.shapes import to_geometry
from geo.place_names import fold, prefix_bound, word_tails
from geo.streets import bounds_of, middle_of

QUERY_MAX = 100


@dataclass(frozen=True)
class PlaceHit:
    """One search result: what it is, what it is called, and where the map should go."""

    kind: str  # "area", "street" or "landmark"
    id: int
    name: str
    area: str | None
    lon: float
    lat: float
    bbox: tuple[float, float, float, float] | None  # min lon, min lat, max lon, max lat

    @property
    def label(self) -> str:
        return f"{self.name}, {self.area}" if self.area and self.area != self.name else self.name


def search_key(query: object) -> str:
    """The folded query, or a ValidationError naming `q`."""
    if not isinstance(query, str) or not query.strip():
        raise ValidationError("Type part of a street or place name to search for.", "q")
    if len(query) > QUERY_MAX:
        raise ValidationError(f"The search is at most {QUERY_MAX} characters long.", "q")
    key = fold(query)
    if not key:
        raise ValidationError("The search needs at least one letter or digit.", "q")
    return key


def _areas(session: DbSession, key: str) -> list[PlaceHit]:
    """Areas are few (dozens), so their names are folded here rather than indexed; only the matches'
    shapes are read."""
    names = session.execute(select(Area.id, Area.name).order_by(Area.name)).all()
    matching = [r.id for r in names if any(t.startswith(key) for t in word_tails(fold(r.name)))]
    if not matching:
        return []
    hits = []
    for row in session.execute(select(Area.id, Area.name, Area.geom).where(Area.id.in_(matching))):
        shape = to_geometry(row.geom)
        centre = shape.representative_point()
        hits.append(PlaceHit("area", row.id, row.name, None, centre.x, centre.y, bounds_of(shape)))
    return sorted(hits, key=lambda hit: hit.name)


# Built once per dialect and kind, then run with new bound values: building a Select and its cache key
# cost more than running it (as for the map's statements, app/services/issues/queries.py).
_STATEMENTS: dict[tuple[str, str], Select[Any]] = {}
PREFIX, BOUND = bindparam("prefix", type_=String), bindparam("bound", type_=String)
LIMIT = bindparam("limit", type_=Integer)


def _street_statement(dialect: str, whole_name: bool) -> Select[Any]:
    key = (dialect, "street-start" if whole_name else "street-word")
    if key not in _STATEMENTS:
        _STATEMENTS[key] = (
            select(
                Street.id,
                Street.name,
                Area.name,
                Street.min_lon,
                Street.min_lat,
                Street.max_lon,
                Street.max_lat,
                Street.geom,
            )
            .select_from(StreetWord)
            .join(Street, Street.id == StreetWord.street_id)
            .outerjoin(Area, Area.id == Street.area_id)
            .where(StreetWord.is_start.is_(whole_name), starts_with(StreetWord.tail, PREFIX, BOUND))
            .order_by(StreetWord.tail, StreetWord.street_id)
            .limit(LIMIT)
        )
    return _STATEMENTS[key]


def _landmark_statement(dialect: str) -> Select[Any]:
    key = (dialect, "landmark")
    if key not in _STATEMENTS:
        _STATEMENTS[key] = (
            select(Landmark.id, Landmark.name, Area.name, Landmark.lon, Landmark.lat)
            .outerjoin(Area, Area.id == Landmark.area_id)
            .where(starts_with(Landmark.search_key, PREFIX, BOUND))
            .order_by(Landmark.search_key, Landmark.id)
            .limit(LIMIT)
        )
    return _STATEMENTS[key]


def _streets(session: DbSession, key: str, whole_name: bool, limit: int) -> list[PlaceHit]:
    values = {"prefix": key, "bound": prefix_bound(key), "limit": limit}
    rows = session.execute(_street_statement(dialect_of(session), whole_name), values).all()
    return [
        PlaceHit("street", r[0], r[1], r[2], *middle_of(to_geometry(r[7])), (r[3], r[4], r[5], r[6]))
        for r in rows
    ]


def _landmarks(session: DbSession, key: str, limit: int) -> list[PlaceHit]:
    values = {"prefix": key, "bound": prefix_bound(key), "limit": limit}
    rows = session.execute(_landmark_statement(dialect_of(session)), values).all()
    return [PlaceHit("landmark", r[0], r[1], r[2], r[3], r[4], None) for r in rows]


def search_places(session: DbSession, query: object, limit: int) -> list[PlaceHit]:
    """Places whose name, or one of its words, starts with the query (folded): areas first, then streets
    whose name starts with it, landmarks, then streets with a later word starting with it."""
    key = search_key(query)
    hits = _areas(session, key)[:limit]
    if len(hits) < limit:
        hits += _streets(session, key, True, limit - len(hits))
    if len(hits) < limit:
        hits += _landmarks(session, key, limit - len(hits))
    if len(hits) < limit:
        seen = {hit.id for hit in hits if hit.kind == "street"}
        more = _streets(session, key, False, limit - len(hits) + len(seen))
        hits += [hit for hit in more if hit.id not in seen][: limit - len(hits)]
    return hits
