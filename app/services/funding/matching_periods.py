"""The city's matching periods: officials create and change them; fund and caps are fixed once one opens.

A period matches the backings made while it is open (for one area, or city-wide when `area_id` is
None). Two periods of the same area never overlap in time. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.database.sessions import DbSession
from app.models import Area, Backing, MatchingPeriod, User
from app.models.backing import BackingStatus
from app.services.issues.money import CITY_CURRENCY
from app.services.kernel import audit
from app.services.kernel.city_time import city_time
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.parsing import parse_id, parse_time
from app.services.kernel.roles import require_staff
from app.services.kernel.text import clean_text
from budgets.money import MAX_CENTS, format_cents

MAX_AHEAD = timedelta(days=3 * 366)
#: What cannot change once the period has opened: residents back problems trusting these figures.
FIXED_ONCE_OPEN = ("fund_cents", "problem_cap_cents", "backer_cap_cents", "opens_at", "area_id")
AMOUNTS = {
    "fund_cents": ("Fund", 0),
    "problem_cap_cents": ("Per-problem cap", 1),
    "backer_cap_cents": ("Per-backer cap", 1),
}


def parse_cents(raw: object, field: str) -> int:
    """Whole cents from the JSON (an integer, never a fraction, a string or a boolean)."""
    label, minimum = AMOUNTS[field]
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValidationError(f"{label} ({field}) must be a whole number of cents, not {raw!r}.", field)
    if raw < minimum:
        raise ValidationError(f"{label} ({field}) must be at least {minimum} cents.", field)
    if raw > MAX_CENTS:
        raise ValidationError(f"{label} ({field}) may be at most {format_cents(MAX_CENTS)}.", field)
    return raw


def get_period(session: DbSession, period_id: int) -> MatchingPeriod:
    found = session.get(MatchingPeriod, period_id)
    if found is None:
        raise NotFound(f"There is no matching period {period_id}.", "period_id")
    return found


def list_periods(session: DbSession) -> list[MatchingPeriod]:
    return list(session.scalars(select(MatchingPeriod).order_by(MatchingPeriod.opens_at.desc())))


def area_names(session: DbSession) -> dict[int, str]:
    return dict(session.execute(select(Area.id, Area.name)).tuples().all())


def create_period(
    session: DbSession, actor: User, data: Mapping[str, object], now: datetime
) -> MatchingPeriod:
    """A new period from `data` (name, area_id, opens_at, closes_at, fund and caps in cents); flush."""
    require_staff(actor)
    name = clean_text(data.get("name"), "name", "Name", 120, multiline=False)
    area_id = _area(session, data.get("area_id"))
    opens_at = now.replace(microsecond=0)
    if data.get("opens_at") not in (None, ""):
        opens_at = parse_time(data.get("opens_at"), "opens_at")
        if opens_at < now - timedelta(minutes=1):
            raise ValidationError("The opening time must not be in the past.", "opens_at")
    closes_at = parse_time(data.get("closes_at"), "closes_at")
    _check_window(opens_at, closes_at, now)
    amounts = {field: parse_cents(data.get(field), field) for field in AMOUNTS}
    _check_caps(amounts["fund_cents"], amounts["problem_cap_cents"])
    _refuse_overlap(session, area_id, opens_at, closes_at, besides=None)
    period = MatchingPeriod(
        name=name,
        area_id=area_id,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=actor.id,
        created_at=now,
        **amounts,
    )
    session.add(period)
    session.flush()
    audit.record(
        session,
        actor,
        "matching_period.create",
        "matching_period",
        period.id,
        **_terms(period),
        currency=CITY_CURRENCY,  # residents back problems in the city's currency
    )
    return period


def update_period(
    session: DbSession, actor: User, period_id: int, data: Mapping[str, object], now: datetime
) -> MatchingPeriod:
    """Change a period's terms: the name and deadline any time before it closes (the deadline only
    later once a backing is in); fund, caps, opening and area only before it opens (409 naming the
    field afterwards). Nothing is stored on an error."""
    require_staff(actor)
    period = get_period(session, period_id)
    if period.closed_at is not None:
        raise Conflict(f"This matching period closed at {city_time(period.closed_at)}.", "closed_at")
    changes: dict[str, object] = {}
    if "name" in data:
        changes["name"] = clean_text(data.get("name"), "name", "Name", 120, multiline=False)
    if "area_id" in data:
        changes["area_id"] = _area(session, data.get("area_id"))
    opens_at = parse_time(data.get("opens_at"), "opens_at") if "opens_at" in data else period.opens_at
    closes_at = parse_time(data.get("closes_at"), "closes_at") if "closes_at" in data else period.closes_at
    changes.update(opens_at=opens_at, closes_at=closes_at)
    for field in AMOUNTS:
        if field in data:
            changes[field] = parse_cents(data.get(field), field)
    changed = {field: value for field, value in changes.items() if getattr(period, field) != value}
    if now >= period.opens_at:
        for field in FIXED_ONCE_OPEN:
            if field in changed:
                raise Conflict(
                    f"{field} cannot change: the period opened at {city_time(period.opens_at)}.", field
                )
    elif "opens_at" in changed and opens_at < now - timedelta(minutes=1):
        raise ValidationError("The opening time must not be in the past.", "opens_at")
    if "closes_at" in changed and closes_at < period.closes_at and _backed_in(session, period.id):
        # Found from outside: a deadline moved three minutes ahead refunded every backing weeks early,
        # and no backer had been told.
        raise Conflict(
            f"Residents backed problems trusting the deadline, {city_time(period.closes_at)}: it can move "
            "later, not earlier, once a backing is in.",
            "closes_at",
        )
    if "closes_at" in changed or "opens_at" in changed:
        _check_window(opens_at, closes_at, now)
    if "fund_cents" in changed or "problem_cap_cents" in changed:
        fund = changes.get("fund_cents", period.fund_cents)
        cap = changes.get("problem_cap_cents", period.problem_cap_cents)
        assert isinstance(fund, int)
        assert isinstance(cap, int)
        _check_caps(fund, cap)
    area_id = changes.get("area_id", period.area_id)
    _refuse_overlap(session, area_id if isinstance(area_id, int) else None, opens_at, closes_at, period.id)
    if not changed:
        return period
    before = {field: _shown(getattr(period, field)) for field in changed}
    for field, value in changed.items():
        setattr(period, field, value)
    session.flush()
    audit.record(
        session,
        actor,
        "matching_period.update",
        "matching_period",
        period.id,
        before=before,
        after={field: _shown(value) for field, value in changed.items()},
    )
    return period


def _backed_in(session: DbSession, period_id: int) -> bool:
    """Whether a backing of the period is waiting for its money or held in an escrow."""
    live = (BackingStatus.PENDING.value, BackingStatus.HELD.value)
    found = session.scalar(
        select(Backing.id).where(Backing.period_id == period_id, Backing.status.in_(live)).limit(1)
    )
    return found is not None


def _area(session: DbSession, raw: object) -> int | None:
    if raw in (None, ""):
        return None
    area_id = parse_id(raw, "area_id", label="Area")
    if session.get(Area, area_id) is None:
        raise ValidationError(f"There is no area {area_id}.", "area_id")
    return area_id


def _check_window(opens_at: datetime, closes_at: datetime, now: datetime) -> None:
    if closes_at <= opens_at:
        raise ValidationError("The closing time must come after the opening time.", "closes_at")
    if not now < closes_at < now + MAX_AHEAD:
        raise ValidationError("The closing time must be in the future, within three years.", "closes_at")


def _check_caps(fund_cents: int, problem_cap_cents: int) -> None:
    """No problem can be matched with more than the whole fund (found from outside: a EUR 100.00 fund
    with a EUR 500.00 cap per problem was accepted, and the terms are fixed once the period opens)."""
    if problem_cap_cents > fund_cents:
        raise ValidationError(
            f"The most match per problem ({format_cents(problem_cap_cents)}) is more than the "
            f"fund of {format_cents(fund_cents)}: no problem can be matched with more than the whole fund.",
            "problem_cap_cents",
        )


def _refuse_overlap(
    session: DbSession, area_id: int | None, opens_at: datetime, closes_at: datetime, besides: int | None
) -> None:
    """Two periods of one area (or two city-wide ones) never run at the same time."""
    same_area = MatchingPeriod.area_id.is_(None) if area_id is None else MatchingPeriod.area_id == area_id
    ends = func.coalesce(MatchingPeriod.closed_at, MatchingPeriod.closes_at)
    query = select(MatchingPeriod).where(same_area, MatchingPeriod.opens_at < closes_at, ends > opens_at)
    if besides is not None:
        query = query.where(MatchingPeriod.id != besides)
    other = session.scalars(query.limit(1)).first()
    if other is not None:
        where = "city-wide" if area_id is None else "for this area"
        raise Conflict(
            f"Matching period {other.name!r} already runs {where} from {city_time(other.opens_at)} to "
            f"{city_time(other.closes_at)}; periods of one area must not overlap.",
            "opens_at",
        )


def _shown(value: object) -> object:
    return value.isoformat() + "Z" if isinstance(value, datetime) else value


def _terms(period: MatchingPeriod) -> dict[str, object]:
    return {
        "name": period.name,
        "area_id": period.area_id,
        "opens_at": _shown(period.opens_at),
        "closes_at": _shown(period.closes_at),
        "fund_cents": period.fund_cents,
        "problem_cap_cents": period.problem_cap_cents,
        "backer_cap_cents": period.backer_cap_cents,
    }
