"""Street search and reverse lookup at 50,000 streets, on SQLite + SpatiaLite and PostgreSQL + PostGIS.

A synthetic gazetteer (bench/synthetic_streets.py: 50,000 named streets on a grid over the demo city, and
10,000 addresses) is imported with the `import-streets` code, then:
- **search**: `GET /api/v1/places?q=...` through the app (routing, the query, JSON), for short and long
  prefixes, a word inside names, an accented query, and one that finds nothing;
- **reverse lookup**: the gazetteer geocoder naming the place of random points in the city (what
  reporting a problem runs), and the same for points far from any street.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import flask_migrate

from app import create_app
from app.demo.seed import CITY_FILE
from app.extensions import db
from app.services.gazetteer.geocoders import GazetteerGeocoder
from app.services.gazetteer.imports import import_gazetteer
from app.services.gazetteer.lookup import Radii
from app.services.issues import places
from bench.benchmarks_doc import publish
from bench.databases import SECRET_KEY
from bench.scratch_databases import scratch_databases
from bench.synthetic_streets import CITY_BOX, synthetic_gazetteer
from config import ProductionConfig
from geo.geojson import read_areas

HEADING = "## Street search and reverse lookup (issue 15)"
COMMAND = ".venv/bin/python -m bench.streets_bench"
SEARCHES = {
    "one letter (`w`)": "w",
    "a prefix (`wil`)": "wil",
    "a whole name (`willow drive`)": "willow drive",
    "a later word (`lane`)": "lane",
    "accented (`Église`)": "Église",
    "nothing found (`zzqx`)": "zzqx",
}


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float


@dataclass(frozen=True)
class Measured:
    backend: str
    streets: int
    addresses: int
    import_s: float
    searches: dict[str, Timing]
    reverse: Timing
    reverse_far: Timing
    placed_share: float


NAME = "streets_bench"  # its scratch databases


def timing(samples: list[float]) -> Timing:
    ordered = sorted(samples)
    return Timing(1000 * statistics.median(ordered), 1000 * ordered[int(0.95 * (len(ordered) - 1))])


def measure(backend: str, url: str, streets: int, repeats: int) -> Measured:
    app = create_app(
        ProductionConfig,
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False},
    )
    with app.app_context():
        flask_migrate.upgrade()
        places.ensure_reference_data(db.session)
        places.import_areas(db.session, read_areas(CITY_FILE.read_text(encoding="utf-8")))
        db.session.commit()
        gazetteer = synthetic_gazetteer(streets, addresses=streets // 5)
        started = time.perf_counter()
        import_gazetteer(db.session, gazetteer)
        db.session.commit()
        import_s = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")

        client = app.test_client()
        searches = {}
        for label, query in SEARCHES.items():
            samples = []
            for _ in range(repeats):
                started = time.perf_counter()
                response = client.get("/api/v1/places", query_string={"q": query})
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.get_json()
            searches[label] = timing(samples)

        geocoder = GazetteerGeocoder(Radii(250, 60))
        rng = random.Random(15)
        min_lon, min_lat, max_lon, max_lat = CITY_BOX
        points = [(rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)) for _ in range(repeats * 5)]
        samples, named = [], 0
        for lon, lat in points:
            started = time.perf_counter()
            place = geocoder.place_of(db.session, lon, lat, "Old Town")
            samples.append(time.perf_counter() - started)
            named += place is not None
        far = []
        for lon, lat in points[:repeats]:
            started = time.perf_counter()
            geocoder.place_of(db.session, lon + 1.0, lat + 1.0, None)  # a degree away: nothing near
            far.append(time.perf_counter() - started)
        db.session.remove()
        db.engine.dispose()
    return Measured(
        backend,
        len(gazetteer.streets),
        len(gazetteer.addresses),
        import_s,
        searches,
        timing(samples),
        timing(far),
        named / len(points),
    )


def report(results: list[Measured], load: float, repeats: int) -> str:
    first = results[0]
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {platform.machine()}, a shared 2-core machine; 1-minute load "
        f"average {load:.1f} when the run started).",
        "",
        f"{first.streets:,} synthetic streets on a grid over the demo city (`bench/synthetic_streets.py`) "
        f"and {first.addresses:,} addresses, imported with the `import-streets` code. Search: "
        f"`GET /api/v1/places?q=...` through the app, {repeats} requests per query (the target is < 50 ms). "
        f"Reverse lookup: the gazetteer geocoder (what reporting a problem runs) at {repeats * 5} random "
        "points of the city, and at points a degree away from every street. Median / 95th percentile.",
        "",
        "| Measure | " + " | ".join(r.backend for r in results) + " |",
        "|---|" + "---:|" * len(results),
        "| Import | " + " | ".join(f"{r.import_s:.1f} s" for r in results) + " |",
    ]
    for label in SEARCHES:
        cells = [f"{r.searches[label].median_ms:.2f} / {r.searches[label].p95_ms:.2f} ms" for r in results]
        lines.append(f"| Search, {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| Reverse lookup in the city | "
        + " | ".join(f"{r.reverse.median_ms:.2f} / {r.reverse.p95_ms:.2f} ms" for r in results)
        + " |"
    )
    lines.append(
        "| Reverse lookup, nothing near | "
        + " | ".join(f"{r.reverse_far.median_ms:.2f} / {r.reverse_far.p95_ms:.2f} ms" for r in results)
        + " |"
    )
    lines.append(
        "| Points named (in the city) | " + " | ".join(f"{r.placed_share:.0%}" for r in results) + " |"
    )
    if len(results) == 2:
        a, b = results
        worst = max(t.median_ms for t in b.searches.values()) / max(t.median_ms for t in a.searches.values())
        lines += [
            "",
            f"Ratio of the slowest search median, {b.backend} / {a.backend}: {worst:.2f}; reverse lookup "
            f"median ratio: {b.reverse.median_ms / a.reverse.median_ms:.2f}.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 streets, SpatiaLite only, no writing")
    args = parser.parse_args()
    streets, repeats = (5000, 20) if args.quick else (50_000, 200)
    load = os.getloadavg()[0]
    results = []
    with scratch_databases(NAME, args.quick) as found:
        for backend, url in found:
            measured = measure(backend, url, streets, repeats)
            print(f"{backend}: imported in {measured.import_s:.1f} s", flush=True)
            results.append(measured)
    text = report(results, load, repeats)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
