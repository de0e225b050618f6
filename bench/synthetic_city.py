"""A city of any size loaded with set-based SQL (INSERT ... SELECT over a series of numbers), for the map
benchmark's 100,000 and 1,000,000 issues: the demo loader builds rows in Python and takes far too long.

The demo city's eight neighbourhoods; issues spread evenly (a low-discrepancy sequence, the same on both
engines) over each neighbourhood's bounding box, statuses and categories in fixed proportions, one in 97
hidden; the demo's official and admin; residents; and likes, 1 to 2 x average - 1 per issue, each from a
different resident. The database's own triggers keep likes_count, the Feature text and the spatial index.
"""

from __future__ import annotations

import time
from datetime import datetime

import click
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bench.databases import Builder, Sizes, bench_app
from geo.geojson import read_areas

EPOCH = datetime(2026, 5, 1, 8, 0, 0)
DOMAIN = "demo.commonfix.org"
CATEGORIES = ("pothole", "streetlight", "dumping", "graffiti", "sidewalk", "drainage", "tree", "waste-bin")
# i % 20 -> status: 8 new, 2 acknowledged, 1 investigating, 1 in progress, 1 planned (13 open), 4 fixed,
# 1 duplicate, 1 no further action, 1 closed.
STATUS_CASE = (
    "CASE WHEN i % 20 < 8 THEN 'new' WHEN i % 20 < 10 THEN 'acknowledged' WHEN i % 20 < 11 THEN"
    " 'investigating' WHEN i % 20 < 12 THEN 'in-progress' WHEN i % 20 < 13 THEN 'planned' WHEN i % 20 < 17"
    " THEN 'fixed' WHEN i % 20 < 18 THEN 'duplicate' WHEN i % 20 < 19 THEN 'no-further-action' ELSE 'closed'"
    " END"
)


def numbers(dialect: str, count_param: str) -> str:
    """A FROM clause giving `i` = 1..:count_param."""
    if dialect == "postgresql":
        return f"generate_series(CAST(1 AS bigint), :{count_param}) AS n(i)"
    return (
        f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :{count_param})"
        " SELECT i FROM n) AS n"
    )


def spellings(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        return {
            "point": "ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)",
            "ago": "CAST(:epoch AS timestamp)"
            " - make_interval(days => CAST({days} AS integer), secs => {secs})",
            "round": "round(CAST({x} AS numeric), 7)",
            "later": "{at} + interval '12 days'",
            "false": "false",
            "true": "true",
        }
    return {
        "point": "MakePoint({lon}, {lat}, 4326)",
        "ago": "datetime(:epoch, '-' || ({days}) || ' days', '-' || ({secs}) || ' seconds')",
        "later": "datetime({at}, '+12 days')",
        "round": "round({x}, 7)",
        "false": "0",
        "true": "1",
    }


def add_people(conn: Connection, dialect: str, residents: int) -> None:
    conn.execute(
        text(
            "INSERT INTO users (email, display_name, password_hash, role, is_blocked, created_at) VALUES"
            " (:official, 'Olivia (city official)', 'x', 'official', :no, :epoch),"
            " (:admin, 'Adam (city admin)', 'x', 'admin', :no, :epoch)"
        ),
        {"official": f"official@{DOMAIN}", "admin": f"admin@{DOMAIN}", "no": False, "epoch": EPOCH},
    )
    conn.execute(
        text(
            "INSERT INTO users (email, display_name, password_hash, role, is_blocked, created_at)"
            f" SELECT 'resident' || i || '@{DOMAIN}', 'Resident ' || i, 'x', 'resident', :no, :epoch"
            f" FROM {numbers(dialect, 'count')}"
        ),
        {"count": residents, "no": False, "epoch": EPOCH},
    )


def add_issues(conn: Connection, dialect: str, issues: int) -> None:
    areas = conn.execute(text("SELECT id, name FROM areas ORDER BY id")).all()
    from app.demo.seed import CITY_FILE

    boxes = {a.name: a.geometry.bounds for a in read_areas(CITY_FILE.read_text(encoding="utf-8"))}
    reporter = conn.execute(text("SELECT min(id) FROM users WHERE role = 'resident'")).scalar_one()
    sql = spellings(dialect)
    # i's position in [0, 1)^2: multiplicative hashes of i, far apart, so neighbours in i scatter.
    u = "((i * 2654435761) % 1000003) / 1000003.0"
    v = "((i * 40503 + 12345) % 999983) / 999983.0"
    lon = sql["round"].format(x=f":west + (:east - :west) * {u}")
    lat = sql["round"].format(x=f":south + (:north - :south) * {v}")
    created = sql["ago"].format(days="i % 700", secs="(i * 37) % 86400")
    categories = " ".join(f"WHEN {n} THEN '{code}'" for n, code in enumerate(CATEGORIES))
    statement = text(
        "INSERT INTO issues (title, description, category_code, status, lon, lat, geom, area_id,"
        " reporter_id, hide_name, likes_count, created_at, updated_at, last_activity_at, fixed_at,"
        " is_hidden)"
        f" SELECT 'Problem ' || (i + :offset), 'A synthetic benchmark report.',"
        f" CASE (i * 7) % {len(CATEGORIES)} {categories} END, {STATUS_CASE}, {lon}, {lat},"
        f" {sql['point'].format(lon=lon, lat=lat)}, :area_id, :reporter, {sql['false']}, 0,"
        f" {created}, {created}, {created},"
        f" CASE WHEN i % 20 >= 13 AND i % 20 < 17 THEN {sql['later'].format(at=created)} END,"
        f" CASE WHEN i % 97 = 0 THEN {sql['true']} ELSE {sql['false']} END"
        f" FROM {numbers(dialect, 'count')}"
    )
    offset = 0
    for n, area in enumerate(areas):
        count = issues // len(areas) + (1 if n < issues % len(areas) else 0)
        west, south, east, north = boxes[area.name]
        values = {"west": west, "south": south, "east": east, "north": north}
        conn.execute(
            statement,
            {
                **values,
                "count": count,
                "offset": offset,
                "area_id": area.id,
                "reporter": reporter,
                "epoch": EPOCH,
            },
        )
        offset += count
        click.echo(f"  {area.name}: {count} issues")


def add_likes(conn: Connection, dialect: str, sizes: Sizes) -> None:
    """Each issue gets 1 + (id * 7) % m likes, m = 2 x the average - 1; like j of issue id comes from
    resident (id * 7919 + j * 4729) % residents, distinct for j < residents as 4729 and 20,000 share no
    factor (any resident count coprime to 4729 works)."""
    average = max(1, round(sizes.likes / sizes.issues))
    spread = 2 * average - 1
    first = conn.execute(text("SELECT min(id) FROM users WHERE role = 'resident'")).scalar_one()
    if dialect == "postgresql":
        per_issue = "generate_series(1, 1 + (issues.id * 7) % :spread) AS n(j)"
    else:
        per_issue = (
            "(WITH RECURSIVE n(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM n WHERE j < :spread)"
            " SELECT j FROM n) AS n"
        )
    where = "" if dialect == "postgresql" else "WHERE n.j <= 1 + (issues.id * 7) % :spread"
    conn.execute(
        text(
            "INSERT INTO likes (user_id, issue_id, created_at)"
            " SELECT :first + (CAST(issues.id AS bigint) * 7919 + n.j * 4729) % :residents,"
            " issues.id, issues.created_at"
            f" FROM issues CROSS JOIN {per_issue} {where}"
        ),
        {"first": first, "residents": sizes.residents, "spread": spread},
    )


def load_synthetic_city(database_url: str, sizes: Sizes) -> float:
    """Migrate the empty database and load the synthetic city; returns seconds taken."""
    from app.demo.seed import CITY_FILE
    from app.extensions import db
    from app.services.issues import places

    started = time.perf_counter()
    app = bench_app(database_url)
    with app.app_context():
        upgrade()
        session = db.session()
        places.ensure_reference_data(session)
        places.import_areas(session, read_areas(CITY_FILE.read_text(encoding="utf-8")))
        session.commit()
        conn = session.connection()
        dialect = conn.dialect.name
        add_people(conn, dialect, sizes.residents)
        click.echo(f"{sizes.residents} residents; issues ...")
        add_issues(conn, dialect, sizes.issues)
        session.commit()
        click.echo(f"issues in {time.perf_counter() - started:.0f} s; likes ...")
        add_likes(session.connection(), dialect, sizes)
        session.commit()
        click.echo(f"likes in {time.perf_counter() - started:.0f} s")
        with db.engine.connect() as conn:
            if dialect == "postgresql":
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
            else:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.engine.dispose()
    return time.perf_counter() - started


SYNTHETIC = Builder(load=load_synthetic_city, prefix="synthetic-", sources=("bench/synthetic_city.py",))
