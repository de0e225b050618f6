"""The street gazetteer: named streets (with their searchable word tails), addresses and landmarks."""

from __future__ import annotations

from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class Street(Model):
    """A named street within one area (ways of one name in one area are one street)."""

    __tablename__ = "streets"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Folded name and area id: what a re-import matches on (geo.place_names.fold).
    key: Mapped[str] = mapped_column(String(220), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"), index=True)
    # Where a search result flies the map: the street's bounds.
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTILINESTRING", srid=4326, spatial_index=True, nullable=False)
    )


# PostgreSQL compares text by the database's collation, in which a prefix is not a range of the index
# ("willow drive" may sort after "willowa"); byte order ("C") makes it one, as SQLite's BINARY does, and
# lets the index give the answer's order too.
SEARCH_KEY = String(200).with_variant(String(200, collation="C"), "postgresql")


class StreetWord(Model):
    """A street's folded name from each of its words on ("willow drive", "drive"): typing the start of any
    word of the name is a prefix match on this table's index."""

    __tablename__ = "street_words"

    street_id: Mapped[int] = mapped_column(
        ForeignKey("streets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    tail: Mapped[str] = mapped_column(SEARCH_KEY, primary_key=True)
    is_start: Mapped[bool]  # the whole name (matches rank first)


# With street_id last, SQLite reads the first matches in the answer's order and stops at the limit.
Index(
    "ix_street_words_tail",
    StreetWord.is_start,
    StreetWord.tail,
    StreetWord.street_id,
)


class Address(Model):
    """A house number on a street (OSM's addr:housenumber and addr:street)."""

    __tablename__ = "addresses"
    __table_args__ = (UniqueConstraint("street_key", "housenumber", name="uq_addresses_street_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    street_key: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    housenumber: Mapped[str] = mapped_column(String(20))
    lon: Mapped[float]
    lat: Mapped[float]
    geom: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True, nullable=False))


class Landmark(Model):
    """A named place that is not a street (a park, a station, a school), found by the start of its name."""

    __tablename__ = "landmarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    search_key: Mapped[str] = mapped_column(SEARCH_KEY)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"), index=True)
    lon: Mapped[float]
    lat: Mapped[float]


Index("ix_landmarks_search_key", Landmark.search_key, Landmark.id)
