"""The city's clock: times are stored in UTC and shown, and typed on the web forms, in the city's zone.

`CITY_TIMEZONE` (an IANA name such as "Europe/Warsaw"; config.py, default "UTC", checked at start)
is the zone of the city that runs the site. Pages, mail and the services' messages show a time in it, with its
abbreviation ("2027-03-01 18:00 CET"); a web form's date-and-time field, which browsers send without a
zone, is read in it. The API and the exports keep ISO 8601 in UTC, for programs.

A wall-clock time that the zone skips (clocks moving forward) is refused, naming the field; one that
it repeats (clocks moving back) is read as the first of the two, the summer time.
"""

from __future__ import annotations

from datetime import MINYEAR, UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.models.timestamps import utcnow
from app.services.kernel.errors import ValidationError

SHOWN = "%Y-%m-%d %H:%M"


def city_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CITY_TIMEZONE"])


def zone_name() -> str:
    """The zone's name as an official reads it on a form ("Europe/Warsaw")."""
    return str(current_app.config["CITY_TIMEZONE"])


def in_city(moment: datetime) -> datetime:
    """A stored time (naive UTC) in the city's zone."""
    return moment.replace(tzinfo=UTC).astimezone(city_zone())


def city_time(moment: datetime, shape: str = SHOWN) -> str:
    """A stored time as the city reads it, with the zone's abbreviation: "2027-03-01 18:00 CET"."""
    local = in_city(moment)
    return f"{local.strftime(shape)} {local.tzname()}"


def city_day_time(moment: datetime) -> str:
    """A stored time as a resident reads it in a timeline or a mail: the day in words, the time and
    the zone's abbreviation, "1 March 2027, 18:00 CET" (two changes on one day are told apart)."""
    local = in_city(moment)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def day_words(day: date) -> str:
    """A calendar day as a person reads it: "1 March 2027"."""
    return f"{day.day} {day:%B %Y}"


def city_today() -> date:
    """Today in the city's calendar, which east of UTC begins before the UTC date changes."""
    return in_city(utcnow()).date()


def city_date(moment: datetime, shape: str = "%Y-%m-%d") -> str:
    """The day a stored time falls on in the city: "2027-03-01"."""
    return in_city(moment).strftime(shape)


def city_day_start(day: date) -> datetime:
    """When a day of the city's calendar starts, as stored (naive UTC): filters "from day A to day B"
    take the stored times from city_day_start(A) up to city_day_end(B). A day at the calendar's ends
    whose start falls outside it (0001-01-01 east of UTC, say) is the earliest or latest time there is."""
    try:
        return datetime.combine(day, time.min, city_zone()).astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        return datetime.min if day.year == MINYEAR else datetime.max


def city_day_end(day: date) -> datetime:
    """When the day after `day` starts in the city, as stored: the end (excluded) of an inclusive range."""
    return datetime.max if day == date.max else city_day_start(day + timedelta(days=1))


def city_input(raw: str | None, field_name: str) -> str | None:
    """A form's wall-clock time ("2027-03-01T18:00", read in the city's zone) as ISO 8601 with its
    offset, for the services' parsers; blank stays None and what is not a time passes through for
    them to refuse, naming the field."""
    if raw is None or not raw.strip():
        return None
    try:
        typed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return raw
    if typed.tzinfo is not None:
        return raw
    zone = city_zone()
    local = typed.replace(tzinfo=zone)
    try:
        round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # at the very ends of the calendar; the services refuse those
        return raw
    if round_trip != typed:
        raise ValidationError(
            f"{field_name}: {typed:%Y-%m-%d %H:%M} does not exist in {zone_name()} (the clocks move "
            "forward then); choose another time.",
            field_name,
        )
    return local.isoformat()
