"""Loads the demo city once: areas, residents, officials, problems across statuses, and likes.

Deterministic up to the day it is loaded: fixed seeds, and times counted back from the moment it is
loaded (`now`), so the city is as alive on the day a city tries it as on the day it was written: the
reports span the last 180 days, and nothing is dated after `now`. Tests pass a fixed `now`. The same
loader, with bigger counts, fills the benchmark databases.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shapely.geometry import Point
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from app.database.sessions import DbSession
from app.demo.content import DESCRIPTIONS, STREETS, TITLES
from app.demo.timelines import add_demo_timelines
from app.models import Follow, Issue, Like, User
from app.models.timestamps import utcnow
from app.services.gazetteer.imports import import_gazetteer
from app.services.issues import places
from app.shapes import point_element
from geo.areas import AreaIndex
from geo.geojson import read_areas
from geo.place_names import describe
from geo.streets import Gazetteer, StreetIndex, read_gazetteer

CITY_FILE = Path(__file__).with_name("demo_city.geojson")
# The demo city's streets, addresses and landmarks as an OpenStreetMap-style export (name, addr:* tags).
STREETS_FILE = Path(__file__).with_name("demo_streets.geojson")
DEMO_PASSWORD = "demo-password"
DEMO_DOMAIN = "demo.commonfix.org"
SPAN_DAYS = 180  # the reports are spread over the last SPAN_DAYS before the city is loaded
# Status mix of a living city: most problems still open, a fair share fixed, some closed. None is a
# duplicate: that status comes only with an original, by merging (found from outside: seeded duplicates
# had none, and no official could ever change them).
STATUS_WEIGHTS = {
    "new": 30,
    "acknowledged": 14,
    "investigating": 6,
    "in-progress": 6,
    "planned": 4,
    "fixed": 25,
    "not-responsible": 3,
    "no-further-action": 3,
    "closed": 9,
}
# The gazetteer's default reach (config.py GAZETTEER_*_RADIUS_M).
PLACE_STREET_M, PLACE_ADDRESS_M = 250, 60
Progress = Callable[..., AbstractContextManager[Any]]


def _random_point(rng: random.Random, index: AreaIndex, area_id: int) -> tuple[float, float]:
    area = next(a for a in index.areas if a.id == area_id)
    min_x, min_y, max_x, max_y = area.geometry.bounds
    while True:
        lon, lat = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
        if area.geometry.contains(Point(lon, lat)):
            return round(lon, 6), round(lat, 6)


def _hotspot_point(
    rng: random.Random, index: AreaIndex, centre: tuple[float, float]
) -> tuple[float, float] | None:
    """A point within ~150 m of a hotspot, so neighbours report the same problems twice."""
    lon = centre[0] + rng.gauss(0, 0.0012)
    lat = centre[1] + rng.gauss(0, 0.0008)
    return (round(lon, 6), round(lat, 6)) if index.contains(lon, lat) else None


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def seed_demo_city(
    session: DbSession,
    issue_count: int = 320,
    resident_count: int = 60,
    like_budget: int | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> str:
    """Load the demo city unless it is already there, its times up to `now` (utcnow by default);
    returns a one-line summary."""
    if session.scalar(select(func.count(User.id)).where(User.email.like(f"%@{DEMO_DOMAIN}"))):
        return "The demo city is already loaded; nothing changed."
    rng = random.Random(2026)
    end = (now or utcnow()).replace(second=0, microsecond=0)
    start = end - timedelta(days=SPAN_DAYS)
    places.ensure_reference_data(session)
    places.import_areas(session, read_areas(CITY_FILE.read_text(encoding="utf-8")))
    index = places.area_index(session)
    gazetteer = read_gazetteer(STREETS_FILE.read_text(encoding="utf-8"))
    import_gazetteer(session, gazetteer)

    password_hash = generate_password_hash(DEMO_PASSWORD, method="scrypt")
    staff = [
        {"email": f"official@{DEMO_DOMAIN}", "display_name": "Olivia (city official)", "role": "official"},
        {"email": f"admin@{DEMO_DOMAIN}", "display_name": "Adam (city admin)", "role": "admin"},
    ]
    residents = [
        {"email": f"resident{n}@{DEMO_DOMAIN}", "display_name": f"Resident {n}", "role": "resident"}
        for n in range(1, resident_count + 1)
    ]
    people = [
        {
            **p,
            "password_hash": password_hash,
            "is_blocked": False,
            "created_at": start - timedelta(days=30),
            "email_confirmed_at": start - timedelta(days=30),  # the demo city's people are confirmed
        }
        for p in staff + residents
    ]
    for chunk in _chunks(people, 5000):
        session.execute(insert(User), chunk)
    resident_ids = list(
        session.scalars(select(User.id).where(User.role == "resident", User.email.like(f"%@{DEMO_DOMAIN}")))
    )

    codes = list(TITLES)
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    area_ids = [a.id for a in index.areas]
    hotspots = [_random_point(rng, index, rng.choice(area_ids)) for _ in range(max(4, issue_count // 40))]
    issues: list[dict[str, Any]] = []
    for _ in range(issue_count):
        point = _hotspot_point(rng, index, rng.choice(hotspots)) if rng.random() < 0.35 else None
        lon, lat = point or _random_point(rng, index, rng.choice(area_ids))
        area = index.locate(lon, lat)
        assert area is not None
        code = rng.choice(codes)
        created = start + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))
        issues.append(
            {
                # Titled after a demo street for now; _name_places renames it after the street found there.
                "title": rng.choice(TITLES[code]),
                "title_street": rng.choice(STREETS),
                "description": DESCRIPTIONS[code],
                "category_code": code,
                "status": rng.choices(statuses, weights)[0],
                "lon": lon,
                "lat": lat,
                "geom": point_element(lon, lat),
                "area_id": area.id,
                "reporter_id": rng.choice(resident_ids),
                "hide_name": rng.random() < 0.2,
                "likes_count": 0,  # counted by trigger as the likes go in
                "created_at": created,
                "updated_at": created,
            }
        )
    _name_places(gazetteer, index, issues)
    _stamp_workflow(random.Random(4), issues, end)
    issues.sort(key=lambda row: row["created_at"])
    bar = progress(length=len(issues), label="Adding problems") if progress else None
    with bar if bar is not None else nullcontext() as b:
        for chunk in _chunks(issues, 2000):
            session.execute(insert(Issue), chunk)
            if b is not None:
                b.update(len(chunk))

    rows = session.execute(select(Issue.id, Issue.reporter_id, Issue.created_at).order_by(Issue.id)).all()
    reported = {row.id: row.created_at for row in rows}  # in id order: the likes follow it
    # Reporting a problem follows it (services/issues/reports.py), so each reporter follows theirs.
    follows = [{"user_id": row.reporter_id, "issue_id": row.id, "created_at": row.created_at} for row in rows]
    for chunk in _chunks(follows, 5000):
        session.execute(insert(Follow), chunk)
    likes = _likes(rng, reported, resident_ids, like_budget, end)
    bar = progress(length=len(likes), label="Adding likes") if progress else None
    with bar if bar is not None else nullcontext() as b:
        # Multi-row INSERTs: each statement moves its issues' like counts once (PostgreSQL's count trigger
        # runs per statement). 5,000 rows x 3 values stays under SQLite's 32,766 bound parameters.
        for chunk in _chunks(likes, 5000):
            session.execute(insert(Like).values(chunk))
            if b is not None:
                b.update(len(chunk))
    add_demo_timelines(session, f"official@{DEMO_DOMAIN}", random.Random(5), end)
    session.flush()
    from app.demo.funding import seed_funding

    funding = seed_funding(session, resident_ids)
    from app.demo.rounds import seed_rounds

    funding = f"{funding} {seed_rounds(session, f'official@{DEMO_DOMAIN}')}".strip()
    from app.demo.backing import seed_backing

    campaign = seed_backing(session, f"official@{DEMO_DOMAIN}", resident_ids, now or utcnow())
    funding = f"{funding} {campaign}".strip()
    return (
        f"Demo city loaded: {len(area_ids)} neighbourhoods, {len(issues)} problems, "
        f"{len(resident_ids)} residents, {len(likes)} likes; {funding} Log in as resident1@{DEMO_DOMAIN}, "
        f"official@{DEMO_DOMAIN} or admin@{DEMO_DOMAIN} with the password {DEMO_PASSWORD!r}."
    )


def _name_places(gazetteer: Gazetteer, index: AreaIndex, issues: list[dict[str, Any]]) -> None:
    """Each problem's place in words, from the demo streets in memory (as the gazetteer would name it),
    and its title's street."""
    area_names = {a.id: a.name for a in index.areas}
    found = StreetIndex(gazetteer, lat0=51.04).places(
        [(row["lon"], row["lat"]) for row in issues], PLACE_STREET_M, PLACE_ADDRESS_M
    )
    for row, near in zip(issues, found, strict=True):
        row["place"] = describe(near[0], area_names[row["area_id"]], near[1]) if near else None
        # A title names the street the problem is on, so the title and its place agree.
        row["title"] = row["title"].format(street=near[0] if near else row["title_street"])
        del row["title_street"]


def _stamp_workflow(rng: random.Random, issues: list[dict[str, Any]], end: datetime) -> None:
    """Workflow timestamps that agree with each status, none after `end` (its own generator: the rows
    stay as they were)."""
    types = {code: kind.value for code, _name, kind in places.DEFAULT_STATUSES}
    for row in issues:
        created, kind = row["created_at"], types[row["status"]]
        acknowledged = _later(created, rng.randrange(2, 96), 96, end) if row["status"] != "new" else None
        done = _later(created, rng.randrange(24, 60 * 24), 60 * 24, end) if kind != "open" else None
        if acknowledged is not None and done is not None:
            acknowledged = min(acknowledged, done)  # a problem fixed within hours was seen no later
        row["acknowledged_at"] = acknowledged
        row["fixed_at"] = done if kind == "fixed" else None
        row["closed_at"] = done if kind == "closed" else None
        row["last_activity_at"] = done or acknowledged or created


def _later(created: datetime, hours: int, most: int, end: datetime) -> datetime:
    """`hours` after `created`; where that passes `end`, as far into the time left before `end` as
    `hours` is into `most` (so the steps of the latest reports spread out rather than pile up at `end`)."""
    moment = created + timedelta(hours=hours)
    return moment if moment <= end else created + (end - created) * (hours / most)


# A like comes within this many days of its problem's report, and not after the city is loaded.
LIKE_WITHIN_DAYS = 21


def _likes(
    rng: random.Random,
    reported: dict[int, datetime],
    resident_ids: list[int],
    budget: int | None,
    end: datetime,
) -> list[dict[str, Any]]:
    """A few problems gather many likes, most gather few (a heavy tail, as in real cities); each like
    comes after its problem was reported (a generator of its own for the times: who likes what stays)."""
    issue_ids = list(reported)
    when = random.Random(6)
    total = budget if budget is not None else len(issue_ids) * 4
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(issue_ids))]
    order = issue_ids[:]
    rng.shuffle(order)
    scale = total / sum(weights)
    rows: list[dict[str, Any]] = []
    for issue_id, weight in zip(order, weights, strict=True):
        wanted = min(len(resident_ids), int(weight * scale))
        report = reported[issue_id]
        window = max(0, int((min(report + timedelta(days=LIKE_WITHIN_DAYS), end) - report).total_seconds()))
        for user_id in rng.sample(resident_ids, wanted):
            liked = report + timedelta(seconds=when.randint(0, window))
            rows.append({"user_id": user_id, "issue_id": issue_id, "created_at": liked})
    return rows
