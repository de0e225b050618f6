"""Map and ranking at city scale (issue 17): the map's clusters, the street-zoom pins, the ranked top 50 and
the officials' dashboard over a city of 100,000 and of 1,000,000 issues, on SQLite + SpatiaLite and on
PostgreSQL + PostGIS.

    .venv/bin/python -m bench.map_bench            # what `make bench` runs (both sizes, both backends)
    .venv/bin/python -m bench.map_bench --quick    # 10,000 issues, few repetitions, nothing written

The cities come from bench/synthetic_city.py (set-based SQL; 1,000,000 issues and 10,000,000 likes load
in minutes, which the demo loader cannot do), built once and cached under instance/bench/ by
bench/databases.py. Server time is the in-process Flask test client's (routing, queries, JSON; no
network), the median of repeated requests after two warm-ups:
  * city zoom: GET /api/v1/issues?bbox=<the whole city>&zoom=Z&status=open, Z the largest zoom at which the
    city fits a 1280 x 800 screen: clusters with exact counts (target < 100 ms);
  * zoom 15 (the last clustered zoom): the same for a 1280 x 800 screen at the city centre;
  * street zoom: the foundation benchmark's viewport of about 200 open issues at zoom 17: pins, as today;
  * ranked top 50: issue_queries.ranked, city-wide and for one area (target < 20 ms);
  * the officials' dashboard, default filters, as the demo official (target < 300 ms).
Targets are reported, never asserted. Each clustered answer is checked against a plain count first.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, text

from bench.benchmarks_doc import replace_section
from bench.databases import REPO, Sizes, postgis_database, server_version, sqlite_database
from bench.foundation_bench import CITY_CENTRE, bbox_url, log, viewport_for
from bench.synthetic_city import SYNTHETIC
from bench.workspace_bench import get_ok, median_ms, official_client, workspace_app
from geo.coordinates import BBox

HEADING = "## The map's clusters and ranking at 1,000,000 issues (issue 17)"
COMMAND = "RATELIMIT_ENABLED=false .venv/bin/python -m bench.map_bench"
DOC = REPO / "docs" / "benchmarks.md"
# Per backend: 10,000,000 likes at 1,000,000 issues on PostGIS (the issue's city); SQLite's row triggers
# make 10,000,000 likes a load of most of an hour on a shared machine, so it gets 1,000,000 there.
FULL = {
    "spatialite": (Sizes(100_000, 20_000, 1_000_000), Sizes(1_000_000, 20_000, 1_000_000)),
    "postgis": (Sizes(100_000, 20_000, 1_000_000), Sizes(1_000_000, 20_000, 10_000_000)),
}
QUICK = {"spatialite": (Sizes(10_000, 2_000, 100_000),), "postgis": (Sizes(10_000, 2_000, 100_000),)}
SCREEN = (1280, 800)
STREET_ZOOM = 17
TARGETS = {"city": 100.0, "ranked_city": 20.0, "ranked_area": 20.0, "dashboard": 300.0}
MEASURES = {
    "city": "City zoom: clusters",
    "city_rows": "City zoom, counting the issues instead (service only)",
    "zoom15": "Zoom 15: clusters",
    "street": "Street zoom: pins",
    "ranked_city": "Ranked top 50, city",
    "ranked_area": "Ranked top 50, one area",
    "dashboard": "Officials' dashboard",
}


@dataclass(frozen=True)
class Result:
    backend: str
    sizes: Sizes
    likes: int
    city_zoom: int
    cells: int
    clustered_total: int
    street_pins: int
    medians: dict[str, float]
    plan: list[str]
    ranked_plan: list[str]
    version: str  # the database engine's, as the app's driver reports it


def mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def fit_zoom(box: BBox, width: int, height: int) -> int:
    """The largest zoom at which `box` fits a `width` x `height` screen (256-pixel Web Mercator tiles)."""
    zoom = 0
    while zoom < 20:
        scale = 256 * 2 ** (zoom + 1)
        wide = (box.max_lon - box.min_lon) / 360 * scale
        tall = (mercator_y(box.max_lat) - mercator_y(box.min_lat)) / (2 * math.pi) * scale
        if wide > width or tall > height:
            break
        zoom += 1
    return zoom


def screen_at(lon: float, lat: float, zoom: int, width: int, height: int) -> BBox:
    """The box a `width` x `height` screen shows around (lon, lat) at `zoom`."""
    scale = 256 * 2**zoom
    half_lon = width / 2 / scale * 360
    y = mercator_y(lat)
    half_y = height / 2 / scale * 2 * math.pi

    def lat_of(my: float) -> float:
        return math.degrees(2 * math.atan(math.exp(my)) - math.pi / 2)

    return BBox(lon - half_lon, lat_of(y - half_y), lon + half_lon, lat_of(y + half_y))


def box_param(box: BBox) -> str:
    return ",".join(f"{v:.6f}" for v in box.as_list())


def cluster_plan(app: Any, box: BBox, zoom: int) -> list[str]:
    """The database's plan for the city-zoom cluster statement, as the service builds it."""
    from app.extensions import db
    from app.services.issues import clusters
    from app.services.issues.queries import IssueFilters
    from geo.grid import Grid

    with app.app_context():
        session = db.session()
        grid = Grid(zoom, app.config["MAP_CLUSTER_CELLS_PER_TILE"])
        stmt, values, _ = clusters.cluster_statement(
            session, IssueFilters(statuses=("open",), bbox=box), grid
        )
        dialect = session.get_bind().dialect
        sql = str(stmt.params(**values).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
        rows = session.execute(text(prefix + sql)).all()
        session.rollback()
    return [str(row[-1]) for row in rows]


def explain(app: Any, stmt: Any, values: dict[str, Any]) -> list[str]:
    """The database's plan for `stmt` with `values` (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""
    from app.extensions import db

    with app.app_context():
        session = db.session()
        dialect = session.get_bind().dialect
        sql = str(stmt.params(**values).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if dialect.name == "sqlite" else "EXPLAIN "
        rows = session.execute(text(prefix + sql)).all()
        session.rollback()
    return [str(row[-1]) for row in rows]


def ranked_plan(app: Any) -> list[str]:
    """The plan of the city-wide ranked top 50 (issue_queries.ranked's statement)."""
    from app.extensions import db
    from app.services.issues import queries as issue_queries
    from app.services.issues.queries import IssueFilters

    with app.app_context():
        filters = IssueFilters(statuses=("open",))
        stmt, values = issue_queries.filtered_statement(db.session(), filters, "rank")
        db.session.rollback()
    return explain(app, stmt, {**values, "limit": 50, "offset": 0})


def check_clusters(app: Any, body: dict[str, Any]) -> None:
    """The clustered answer's total equals a plain count of open, visible issues in the box it covers."""
    from app.extensions import db
    from app.models import Issue, Status

    west, south, east, north = body["bbox"]
    with app.app_context():
        counted = db.session.scalar(
            select(func.count())
            .select_from(Issue)
            .join(Status, Status.code == Issue.status)
            .where(Status.type == "open", Issue.is_hidden.is_(False))
            .where(Issue.lon.between(west, east), Issue.lat.between(south, north))
        )
        db.session.rollback()
    assert body["total"] == counted, (body["total"], counted)
    assert sum(f["properties"]["count"] for f in body["features"]) == counted


def measure(backend: str, url: str, sizes: Sizes, reps: int) -> Result:
    from app.extensions import db
    from app.models import Like
    from app.services.issues import places
    from app.services.issues import queries as issue_queries

    app = workspace_app(url)
    client = app.test_client()
    official = official_client(app)
    with app.app_context():
        session = db.session()
        areas = places.areas(session)
        area_id = areas[0].id
        likes = int(session.scalar(select(func.count()).select_from(Like)) or 0)
        version = str(
            session.scalar(
                text("SELECT sqlite_version()" if backend == "SpatiaLite" else "SHOW server_version")
            )
        )
        street_box, street_pins = viewport_for(session, 200)
    from app import maps

    with app.app_context():
        (south, west), (north, east) = maps.city_bounds(places.areas(db.session())) or ((0, 0), (0, 0))
        db.session.rollback()
    city = BBox(west, south, east, north)
    city_zoom = min(fit_zoom(city, *SCREEN), app.config["MAP_CLUSTER_MAX_ZOOM"])
    centre_15 = screen_at(*CITY_CENTRE, 15, *SCREEN)
    paths = {
        "city": f"/api/v1/issues?bbox={box_param(city)}&zoom={city_zoom}&status=open",
        "zoom15": f"/api/v1/issues?bbox={box_param(centre_15)}&zoom=15&status=open",
        "street": f"{bbox_url(street_box)}&zoom={STREET_ZOOM}",
    }
    city_body = client.get(paths["city"]).get_json()
    check_clusters(app, city_body)
    check_clusters(app, client.get(paths["zoom15"]).get_json())
    assert "clustered" not in client.get(paths["street"]).get_json()
    log(f"{backend} {sizes.issues}: city zoom {city_zoom}, {len(city_body['features'])} cells")

    medians: dict[str, float] = {}
    for name, path in paths.items():
        medians[name] = median_ms(get_ok(client, path), reps)
        log(f"  {name}: {medians[name]:.1f} ms")

    def ranked(area: int | None) -> Callable[[], object]:
        def run() -> object:
            with app.app_context():
                return issue_queries.ranked(db.session(), area_id=area, limit=50)

        return run

    def counted_from_issues() -> object:
        from app.services.issues import clusters
        from app.services.issues.queries import IssueFilters
        from geo.grid import Grid

        grid = Grid(city_zoom, app.config["MAP_CLUSTER_CELLS_PER_TILE"])
        with app.app_context():
            filters = IssueFilters(statuses=("open",), bbox=city)
            return clusters.clusters(db.session(), filters, grid, from_cells=False)

    medians["city_rows"] = median_ms(counted_from_issues, max(3, reps // 3))
    medians["ranked_city"] = median_ms(ranked(None), reps)
    medians["ranked_area"] = median_ms(ranked(area_id), reps)
    medians["dashboard"] = median_ms(get_ok(official, "/staff/dashboard"), max(3, reps // 3))
    log(
        f"  ranked {medians['ranked_city']:.1f} / {medians['ranked_area']:.1f} ms,"
        f" dashboard {medians['dashboard']:.0f} ms"
    )
    plan = cluster_plan(app, city, city_zoom)
    rank_plan = ranked_plan(app)
    with app.app_context():
        db.engine.dispose()
    return Result(
        backend,
        sizes,
        likes,
        city_zoom,
        len(city_body["features"]),
        city_body["total"],
        street_pins,
        medians,
        plan,
        rank_plan,
        version.split()[0],
    )


def report(results: list[Result], load: tuple[float, float, float], versions: dict[str, str]) -> str:
    engines = ", ".join(f"{name} {version}" for name, version in versions.items())
    lines = [
        f"Reproduce: `{COMMAND}` (part of `make bench`; the synthetic cities are built once and cached under"
        " instance/bench/, see bench/synthetic_city.py).",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}"
        f" ({platform.python_implementation()} {platform.python_version()}; {engines}), in-process Flask"
        " test client (server time: routing, queries, JSON, templates; no network), medians after two"
        f" warm-ups. Load average when the run started: {load[0]:.1f} on {os.cpu_count()} CPUs shared with"
        " other work, so the figures are noisy; ratios within a row are more telling than single figures.",
        "",
        "| Backend | Issues | Likes | City zoom (cells; problems counted) | "
        + " | ".join(
            f"{label}{f' (target < {TARGETS[key]:.0f} ms)' if key in TARGETS else ''}"
            for key, label in MEASURES.items()
        )
        + " |",
        "|---|---:|---:|---:|" + "---:|" * len(MEASURES),
    ]
    for r in results:
        cells = [
            f"{r.medians[key]:.1f} ms"
            + (f" ({'met' if r.medians[key] < TARGETS[key] else 'missed'})" if key in TARGETS else "")
            for key in MEASURES
        ]
        lines.append(
            f"| {r.backend} | {r.sizes.issues:,} | {r.likes:,} |"
            f" {r.city_zoom} ({r.cells} cells; {r.clustered_total:,}) | " + " | ".join(cells) + " |"
        )
    lines += [
        "",
        "The cities are synthetic (bench/synthetic_city.py): the demo's eight neighbourhoods, issues spread"
        " evenly over each one's bounding box, 13 in 20 open, one in 97 hidden; PostGIS gets 10 likes per"
        " issue on average, SpatiaLite 10 at 100,000 and 1 at 1,000,000 (its row triggers make 10,000,000"
        " likes a load of most of an hour here). City zoom is the largest zoom at which the whole city"
        " fits a 1280 x 800 screen; before timing, every clustered answer's total is checked against a"
        " plain count of the open, visible issues in the cells it covers. The clusters are read from"
        " issue_cells (counts kept per zoom-15 grid cell, status, category and area by triggers), so"
        " their cost follows the number of occupied fine cells, not the number of issues. The pins and the"
        " ranked list read the issues (the top 50 off ix_issues_rank / ix_issues_area_rank); the"
        " dashboard's counts come from issue_counts (visible issues per area, category and status, with"
        " their likes, kept by triggers) and its medians of time to fix are read by position from"
        " ix_issues_area_fix / ix_issues_category_fix (migration f4a8c2e6d1b9). For comparison, the"
        " second column of times is the same clustered answer counted from the issues themselves (the"
        " fallback for hidden issues or another MAP_CLUSTER_CELLS_PER_TILE; the service alone, without the"
        " request).",
    ]
    growth = []
    for backend in dict.fromkeys(r.backend for r in results):
        rows = sorted((r for r in results if r.backend == backend), key=lambda r: r.sizes.issues)
        if len(rows) >= 2:
            small, large = rows[0], rows[-1]
            ratio = large.sizes.issues / small.sizes.issues
            growth.append(
                f"| {backend} | {ratio:.0f}x | "
                + " | ".join(f"{large.medians[k] / small.medians[k]:.1f}x" for k in MEASURES)
                + " |"
            )
    if growth:
        lines += [
            "",
            "Growth from the smaller city to the larger (time at 1,000,000 / time at 100,000):",
            "",
            "| Backend | Issues | " + " | ".join(MEASURES.values()) + " |",
            "|---|---:|" + "---:|" * len(MEASURES),
            *growth,
        ]
    for r in results:
        if r.sizes.issues == max(x.sizes.issues for x in results):
            lines += [
                "",
                f"{r.backend}, {r.sizes.issues:,} issues, plan of the city-zoom cluster statement:",
                "",
                "```",
            ]
            lines += r.plan[:12]
            lines += ["```", "", "Plan of the city-wide ranked top 50:", "", "```"]
            lines += r.ranked_plan[:12]
            lines += ["```"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="10,000 issues, few repetitions, nothing written"
    )
    parser.add_argument("--backend", choices=("both", "spatialite", "postgis"), default="both")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --quick")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    all_sizes, reps = (QUICK, 5) if args.quick else (FULL, 15)
    load = os.getloadavg()
    results: list[Result] = []
    versions: dict[str, str] = {}
    if args.backend in ("both", "spatialite"):
        for sizes in all_sizes["spatialite"]:
            url = sqlite_database(sizes, SYNTHETIC)
            results.append(measure("SpatiaLite", url, sizes, reps))
            versions["SQLite"] = results[-1].version
    if args.backend in ("both", "postgis"):
        for sizes in all_sizes["postgis"]:
            with postgis_database(sizes, SYNTHETIC) as (url, cluster):
                found = server_version(cluster)
                versions["PostgreSQL"] = str(found["postgresql"]).split()[0]
                versions["PostGIS"] = str(found["postgis"])
                results.append(measure("PostGIS", url, sizes, reps))
    body = report(results, load, versions)
    print(body)
    if (not args.quick or args.write) and not args.no_write:
        replace_section(DOC, HEADING, body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
