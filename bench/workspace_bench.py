"""Officials' workspace benchmark (issue 4): dashboard page, per-area summary and the streamed CSV export at
city scale (100,000 issues, 1,000,000 likes), on SQLite + SpatiaLite and on PostGIS.

    .venv/bin/python -m bench.workspace_bench            # what `make bench` runs (both backends)
    .venv/bin/python -m bench.workspace_bench --quick    # small data, few repetitions

For each backend it measures:
  * GET /staff/dashboard with the default filters (open issues by rank, page 1, summary, both charts, both
    maps), logged in as the demo official: median in-process server time (Flask test client; target < 300 ms);
    and GET /staff/dashboard/heat.json, which the page loads next for its heatmap;
  * workspace_stats.area_summary: median time (target < 100 ms);
  * GET /staff/exports/issues.csv?status=open,fixed,closed (every issue), consumed chunk by chunk in a fresh
    subprocess: tracemalloc peak of the export and the process's RSS growth while it streams (target: peak
    memory < 100 MB), plus rows and seconds.
Timing targets are reported, never asserted. The databases are the foundation benchmark's (bench/databases.py,
built once and cached under instance/bench/). Results go to docs/benchmarks.md, section
"## Officials' workspace (issue 4)" (not with --quick unless --write is given).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bench.benchmarks_doc import publish
from bench.databases import REPO, Sizes, bench_app, postgis_database, server_version, sqlite_database
from bench.foundation_settings import FULL, QUICK

HEADING = "## Officials' workspace (issue 4)"
COMMAND = ".venv/bin/python -m bench.workspace_bench"
OFFICIAL = "official@demo.commonfix.org"
EXPORT_PATH = "/staff/exports/issues.csv?status=open,fixed,closed"
DASHBOARD_TARGET_MS, SUMMARY_TARGET_MS, EXPORT_TARGET_MB = 300.0, 100.0, 100.0


@dataclass(frozen=True)
class Result:
    backend: str
    issues: int
    likes: int
    dashboard_ms: float
    dashboard_area_ms: float
    heat_ms: float
    summary_ms: float
    export: dict[str, float]
    versions: str


def workspace_app(url: str) -> Flask:
    app = bench_app(url)
    app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False, TILE_URL="none")
    return app


def official_client(app: Flask) -> FlaskClient:
    from app.extensions import db
    from app.models import User
    from app.services.accounts.logins import start_login

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == OFFICIAL))
        assert user is not None, "the demo official is missing from the benchmark database"
        cookie_id = f"{user.id}:{start_login(db.session, user, 'benchmark')}"
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = cookie_id
        session["_fresh"] = True
    return client


def median_ms(action: Callable[[], object], reps: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        action()
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def get_ok(client: FlaskClient, path: str) -> Callable[[], None]:
    def fetch() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        response.get_data()

    return fetch


def stream_export(client: FlaskClient) -> tuple[int, int]:
    """Consume the CSV export chunk by chunk, as a WSGI server sends it; returns (rows, bytes)."""
    response = client.get(EXPORT_PATH, buffered=False)
    assert response.is_streamed
    size = lines = 0
    for chunk in response.response:
        data = chunk if isinstance(chunk, bytes) else chunk.encode()
        size += len(data)
        lines += data.count(b"\r\n")
    response.close()
    return lines - 1, size


def export_child(url: str) -> None:
    """Stream the whole CSV export twice in this process: timed with RSS, then under tracemalloc."""
    app = workspace_app(url)
    client = official_client(app)
    client.get("/staff/exports/issues.csv?min_likes=999999999").get_data()  # warm the imports and caches
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    rows, size = stream_export(client)
    seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    stream_export(client)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    result = {
        "rows": rows,
        "mb": size / 2**20,
        "seconds": seconds,
        "tracemalloc_peak_mb": peak / 2**20,
        "rss_growth_mb": rss_after - rss_before,
        "rss_max_mb": rss_after,
    }
    print(json.dumps(result))


def measure_export(url: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.workspace_bench", "--export-child", url],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(backend: str, url: str, sizes: Sizes, reps: int, versions: str) -> Result:
    from app.extensions import db
    from app.models import Area, Issue, Like
    from app.models.timestamps import utcnow
    from app.services.workspace import stats as workspace_stats

    app = workspace_app(url)
    client = official_client(app)
    with app.app_context():
        issues = int(db.session.scalar(select(func.count(Issue.id))) or 0)
        likes = int(db.session.scalar(select(func.count(Like.id))) or 0)
        area_id = db.session.scalar(select(Area.id).order_by(Area.id))
        summary_ms = median_ms(lambda: workspace_stats.area_summary(db.session, utcnow()), reps * 2)
    dashboard_ms = median_ms(get_ok(client, "/staff/dashboard"), reps)
    dashboard_area_ms = median_ms(get_ok(client, f"/staff/dashboard?area={area_id}"), reps)
    heat_ms = median_ms(get_ok(client, "/staff/dashboard/heat.json"), reps)
    with app.app_context():
        db.engine.dispose()
    export = measure_export(url)
    print(
        f"{backend}: dashboard {dashboard_ms:.0f} ms (one area {dashboard_area_ms:.0f} ms), heat cells "
        f"{heat_ms:.0f} ms, summary {summary_ms:.1f} ms, export {export['rows']:,.0f} rows in "
        f"{export['seconds']:.1f} s, tracemalloc peak {export['tracemalloc_peak_mb']:.1f} MB, "
        f"RSS growth {export['rss_growth_mb']:.1f} MB"
    )
    return Result(
        backend, issues, likes, dashboard_ms, dashboard_area_ms, heat_ms, summary_ms, export, versions
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(results: list[Result], quick: bool, load: tuple[float, float, float]) -> str:
    lines = [
        f"Reproduce: `{COMMAND}`{' --quick' if quick else ''} (databases are built once and cached under "
        "instance/bench/; see bench/databases.py).",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({platform.python_implementation()} {platform.python_version()}), in-process Flask test client "
        "(server time: routing, queries, templates, folium; no network). Medians over repeated requests. "
        f"Load average when the run started: {load[0]:.1f} on {os.cpu_count()} CPUs (a shared machine is "
        "slower than these figures' targets assume when it is busy).",
        "",
        "| Backend | Issues | Likes | Dashboard, default filters (target < 300 ms) | Dashboard, one area "
        "| Heat cells (heat.json) | Per-area summary (target < 100 ms) | CSV export: rows, time "
        "| Export peak memory: tracemalloc / RSS growth (target < 100 MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        e = r.export
        peak = max(e["tracemalloc_peak_mb"], e["rss_growth_mb"])
        lines.append(
            f"| {r.backend} ({r.versions}) | {r.issues:,} | {r.likes:,} | {r.dashboard_ms:.0f} ms "
            f"({verdict(r.dashboard_ms < DASHBOARD_TARGET_MS)}) | {r.dashboard_area_ms:.0f} ms | "
            f"{r.heat_ms:.0f} ms | "
            f"{r.summary_ms:.1f} ms ({verdict(r.summary_ms < SUMMARY_TARGET_MS)}) | "
            f"{e['rows']:,.0f} rows, {e['mb']:.0f} MB in {e['seconds']:.1f} s | "
            f"{e['tracemalloc_peak_mb']:.1f} MB / {e['rss_growth_mb']:.1f} MB "
            f"({verdict(peak < EXPORT_TARGET_MB)}) |"
        )
    lines += [
        "",
        "The dashboard page holds the ranked page of 50 (ids ranked first, names joined for that page "
        "only), the per-area summary, the weekly and time-to-fix SVG charts, the choropleth and an empty "
        "heat layer that the page fills from /staff/dashboard/heat.json (open issues counted per ~100 m "
        "cell in SQL; timed separately above). Summary, charts and heat cells read the covering indexes "
        "ix_issues_workspace and ix_issues_created_scope only. The export reads keyset pages of 2,000 rows "
        "by id and streams CSV as it goes, so its memory does not grow with the number of issues; the time "
        "is of an untraced run, the RSS column is the growth of the child process's peak RSS while it "
        "streams (interpreter and app are loaded before), the tracemalloc column a second, traced run.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data and few repetitions")
    parser.add_argument("--backend", choices=("sqlite", "postgis", "both"), default="both")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --quick")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--export-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.export_child:
        export_child(args.export_child)
        return 0
    load = os.getloadavg()
    settings = QUICK if args.quick else FULL
    reps = 5 if args.quick else 15
    results: list[Result] = []
    if args.backend in ("sqlite", "both"):
        url = sqlite_database(settings.sizes)
        results.append(measure("SpatiaLite", url, settings.sizes, reps, f"SQLite {sqlite_version(url)}"))
    if args.backend in ("postgis", "both"):
        with postgis_database(settings.sizes) as (url, cluster):
            v = server_version(cluster)
            label = f"PostgreSQL {v['postgresql']}, PostGIS {v['postgis']}"
            results.append(measure("PostGIS", url, settings.sizes, reps, label))
    text = report(results, args.quick, load)
    publish(HEADING, text, write=not args.no_write and (args.write or not args.quick))
    return 0


def sqlite_version(url: str) -> str:
    from app.database.engines import sqlite_dbapi

    return str(sqlite_dbapi().sqlite_version)


if __name__ == "__main__":
    sys.exit(main())
