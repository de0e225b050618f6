"""Reporting a problem: validate the place, category and text, attach a photo, store, follow, notify."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.models import Category, Follow, Issue, Photo, User
from app.models.timestamps import utcnow
from app.services.gazetteer.geocoders import configured_geocoder
from app.services.issues.notifications import notify_new_issue
from app.services.issues.photo_store import PhotoStore
from app.services.issues.photos import process_photo, store_photo
from app.services.issues.places import area_index
from app.services.kernel.errors import PermissionDenied, ValidationError
from app.services.kernel.text import clean_text
from app.shapes import point_element
from geo.areas import AreaShape
from geo.coordinates import COORDINATE_DECIMALS, CoordinateError, parse_lat, parse_lon

TITLE_MAX = 120
DESCRIPTION_MAX = 4000
OUTSIDE_THE_CITY = "This point is outside the city: place the pin inside one of its neighbourhoods."


@dataclass(frozen=True)
class PhotoSettings:
    store: PhotoStore
    max_bytes: int
    max_side: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any], store: PhotoStore) -> PhotoSettings:
        return cls(store, config["PHOTO_MAX_BYTES"], config["PHOTO_MAX_SIDE"])


class UnknownCategory(ValidationError):
    """A report names no category of the city's: a 422 like any invalid field, except under Open311,
    where GeoReport v2 answers an unknown service_code with 404."""


def reported_point(lat: object, lon: object) -> tuple[float, float]:
    """A report's point as it is stored and placed in an area: checked, rounded to COORDINATE_DECIMALS."""
    try:
        return round(parse_lat(lat), COORDINATE_DECIMALS), round(parse_lon(lon), COORDINATE_DECIMALS)
    except CoordinateError as exc:
        raise ValidationError(exc.message, exc.field) from None


def area_at(session: DbSession, lat: object, lon: object) -> AreaShape | None:
    """The neighbourhood a report at the point would go to; None outside the city (a report there is
    refused with OUTSIDE_THE_CITY). The report form asks it as soon as a pin is placed."""
    lat_value, lon_value = reported_point(lat, lon)
    return area_index(session).locate(lon_value, lat_value)


def create_issue(
    session: DbSession,
    reporter: User,
    *,
    lat: object,
    lon: object,
    category: object,
    title: object,
    description: object,
    hide_name: bool = False,
    photo: bytes | None = None,
    photo_settings: PhotoSettings | None = None,
) -> Issue:
    """A new open issue in the area that holds the point; refuses points outside the city.

    The area's followers are told (mail leaves after the caller's commit), whatever the entry point:
    the web form, the JSON API and Open311 all report through here. A reporter who has not confirmed
    their email yet gets an unpublished report, published (and announced) when they confirm.
    """
    if reporter.is_blocked:
        raise PermissionDenied("This account is blocked and cannot report problems.")
    lat_value, lon_value = reported_point(lat, lon)
    code = clean_text(category, "category", "Category", 1000, multiline=False)
    if session.scalar(select(Category.code).where(Category.code == code)) is None:
        raise UnknownCategory(f"Category {code[:40]!r} is not one of the city's categories.", "category")
    clean_title = clean_text(title, "title", "Title", TITLE_MAX, multiline=False)  # mails quote it on a line
    clean_description = clean_text(description, "description", "Description", DESCRIPTION_MAX)
    area = area_index(session).locate(lon_value, lat_value)
    if area is None:
        raise ValidationError(OUTSIDE_THE_CITY, "location")
    processed = None
    if photo is not None:
        if photo_settings is None:
            raise ValueError("photo_settings are required with a photo")
        processed = process_photo(photo, photo_settings.max_bytes, photo_settings.max_side)
    issue = Issue(
        title=clean_title,
        description=clean_description,
        category_code=code,
        status="new",
        lon=lon_value,
        lat=lat_value,
        geom=point_element(lon_value, lat_value),
        area_id=area.id,
        place=configured_geocoder().place_of(session, lon_value, lat_value, area.name),
        reporter_id=reporter.id,
        hide_name=bool(hide_name),
        is_hidden=not reporter.email_confirmed,
        awaiting_confirmation=not reporter.email_confirmed,
    )
    session.add(issue)
    session.flush()
    if processed is not None and photo_settings is not None:
        filename = store_photo(processed, photo_settings.store)
        session.add(
            Photo(
                issue_id=issue.id,
                filename=filename,
                content_type=processed.content_type,
                width=processed.width,
                height=processed.height,
            )
        )
        session.flush()
    # Reporters follow their own report: they hear when it is closed, fixed or merged into another.
    execute_write(
        session,
        insert_ignoring_duplicates(
            session, Follow, user_id=reporter.id, issue_id=issue.id, created_at=utcnow()
        ),
    )
    if not issue.awaiting_confirmation:
        notify_new_issue(session, issue.id)
    return issue
