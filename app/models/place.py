"""Reference data: areas (neighbourhood polygons), categories and typed statuses."""

from __future__ import annotations

from enum import StrEnum

from geoalchemy2 import Geometry
from geoalchemy2.elements import WKBElement
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class Area(Model):
    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=4326, spatial_index=True, nullable=False)
    )


class Category(Model):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)


class StatusType(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    FIXED = "fixed"


class Status(Model):
    """A state an issue can be in; each has a type (open, closed or fixed)."""

    __tablename__ = "statuses"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(default=0)
