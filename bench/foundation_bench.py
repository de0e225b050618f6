"""Reporting-foundation benchmark (issue 2): the map's bbox endpoint, likes and the ranked list, at city
scale (100,000 issues, 1,000,000 likes), on SQLite + SpatiaLite and on PostGIS.

    RATELIMIT_ENABLED=false .venv/bin/python -m bench.foundation_bench          # what `make bench` runs
    .venv/bin/python -m bench.foundation_bench --quick                          # small data, few repetitions

For each backend it measures, against a trivial route of the same app measured in the same run:
  * GET /api/v1/issues?bbox=...&status=open for a viewport holding about 200 open issues: median in-process
    time (Flask test client) and requests/s under gunicorn (target: >= 25% of GET /api/v1/health);
  * POST /api/v1/issues/<id>/like by many residents at once under gunicorn (target: >= 30% of the trivial
    route), then audits the likes table and the issues' counters: not one like lost or doubled;
  * issue_queries.ranked (top 50 of an area): median in-process time (target: < 20 ms).
The machine is shared and noisy, so every figure is a median over interleaved repetitions. Timing targets
are reported, never asserted; a failed like audit makes the run fail (exit status 1).
Results go to docs/benchmarks.md, section "## Reporting foundation (issue 2)" (not with --quick, unless
--write is given). The databases are built once and cached under instance/bench/ (see bench/databases.py).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Area, Issue, Like
from app.services.issues import queries as issue_queries
from app.services.issues.queries import IssueFilters
from bench import like_ledger
from bench.benchmarks_doc import replace_section
from bench.databases import CACHE, REPO, bench_app, postgis_database, server_version, sqlite_database
from bench.foundation_report import (
    machine_facts,
    median,
    report,
)
from bench.foundation_settings import FULL, QUICK, BackendResult, LikeCounts, Settings, Throughput
from bench.loadgen import (
    GET_LUA,
    LIKE_LUA,
    ServerSpec,
    gunicorn,
    run_wrk,
    write_like_pairs,
    wrk_available,
)
from geo.coordinates import BBox

HEADING = "## Reporting foundation (issue 2)"
DOC = REPO / "docs" / "benchmarks.md"
HEALTH = "/api/v1/health"
VIEWPORT_TARGET = 200  # open issues in the map viewport
CITY_CENTRE = (3.722, 51.051)  # the demo city spans lon 3.666..3.778, lat 51.012..51.090


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# --- statistics -------------------------------------------------------------------------------------------


def timed(action: Callable[[], object], reps: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU (this thread's) milliseconds per call. On a shared, busy machine the wall time
    includes waiting for a core; the CPU time does not, so it shows what the code itself costs."""
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(reps):
        started, started_cpu = time.perf_counter(), time.thread_time()
        action()
        cpu.append((time.thread_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return wall, cpu


def viewport_for(session: Session, target: int) -> tuple[BBox, int]:
    """A square viewport around the city centre holding about `target` open issues (bisection)."""
    lon, lat = CITY_CENTRE
    lon_per_lat = 1 / math.cos(math.radians(lat))  # square on the ground, not in degrees

    def box(half: float) -> BBox:
        return BBox(lon - half * lon_per_lat, lat - half, lon + half * lon_per_lat, lat + half)

    def count(half: float) -> int:
        return issue_queries.count_issues(session, IssueFilters(statuses=("open",), bbox=box(half)))

    low, high = 0.0, 0.05
    best = (high, count(high))
    for _ in range(30):
        mid = (low + high) / 2
        found = count(mid)
        if abs(found - target) < abs(best[1] - target):
            best = (mid, found)
        if abs(found - target) <= 2:
            break
        if found < target:
            low = mid
        else:
            high = mid
    session.rollback()
    return box(best[0]), best[1]


def bbox_url(viewport: BBox) -> str:
    return "/api/v1/issues?bbox=" + ",".join(f"{v:.6f}" for v in viewport.as_list()) + "&status=open"


def query_plans(
    session: Session, viewport: BBox, area_id: int
) -> tuple[dict[str, list[str]], dict[str, bool]]:
    """The database's plan for the map's bbox statement and the ranked list, exactly as the services build
    them."""
    from app.services.issues.queries import feature_statement, filtered_statement

    dialect = session.get_bind().dialect
    bbox, bbox_values = feature_statement(session, IssueFilters(statuses=("open",), bbox=viewport), "rank")
    ranked, ranked_values = filtered_statement(
        session, IssueFilters(statuses=("open",), area_id=area_id), "rank"
    )
    url = {"url_open": '"http://localhost/issues/', "url_close": '"}}'}
    statements = {
        "bbox": bbox.params(**bbox_values, **url, limit=500, offset=0),
        "ranked": ranked.params(**ranked_values, limit=50, offset=0),
    }
    plans: dict[str, list[str]] = {}
    for name, statement in statements.items():
        sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "sqlite":
            plans[name] = [str(row[3]) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        else:
            plans[name] = [
                str(row[0])
                for row in session.execute(text("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql))
            ]
    session.rollback()
    if dialect.name == "sqlite":
        spatial = any("idx_issues_geom VIRTUAL TABLE INDEX" in line for line in plans["bbox"])
    else:
        spatial = any("idx_issues_geom" in line for line in plans["bbox"])
    ranked = not any(
        "TEMP B-TREE FOR ORDER BY" in line or line.strip().startswith("Sort") for line in plans["ranked"]
    )
    return plans, {"spatial index (bbox)": spatial, "ordered index scan (ranked)": ranked}


def measure_in_process(
    app: Flask, settings: Settings, url: str, area_ids: list[int]
) -> dict[str, list[float]]:
    client = app.test_client()
    names = ("health", "bbox", "ranked", "ranked_city")
    samples: dict[str, list[float]] = {key: [] for name in names for key in (name, name + "_cpu")}

    def run(name: str, action: Callable[[], object], reps: int) -> None:
        wall, cpu = timed(action, reps)
        samples[name] += wall
        samples[name + "_cpu"] += cpu

    for response in (client.get(HEALTH), client.get(url)):  # warm-up, and a sanity check
        if response.status_code != 200:
            raise RuntimeError(
                f"{response.request.path} answered {response.status_code}: {response.data[:300]!r}"
            )

    def ranked(area_id: int | None) -> None:
        issue_queries.ranked(db.session(), area_id=area_id, limit=50)
        db.session.rollback()  # a request ends its transaction, too

    for block in range(settings.blocks):
        run("health", lambda: client.get(HEALTH), settings.health_reps)
        run("bbox", lambda: client.get(url), settings.bbox_reps)
        with app.app_context():
            for area_id in area_ids:
                run("ranked", lambda a=area_id: ranked(a), settings.ranked_reps)  # type: ignore[misc]
            run("ranked_city", lambda: ranked(None), settings.ranked_reps)
        log(
            f"  in-process block {block + 1}/{settings.blocks}: health {median(samples['health']):.2f} ms, "
            f"bbox {median(samples['bbox']):.2f} ms, ranked {median(samples['ranked']):.2f} ms"
        )
    return samples


def measure_http(
    database_url: str, settings: Settings, url: str, plan: like_ledger.LikePlan, workdir: Path
) -> tuple[Throughput, set[tuple[int, int]], LikeCounts]:
    """Rounds of (health, bbox, like) under gunicorn; returns the runs and the like pairs that were sent."""
    results = Throughput()
    sent_pairs: set[tuple[int, int]] = set()
    new_likes = replays = like_errors = 0
    threads, conns = settings.wrk_threads, settings.connections
    with gunicorn(database_url, settings.server, CACHE / "logs" / "gunicorn.log") as server:
        for path in (HEALTH, url):  # warm every worker (imports, connections, caches); not recorded
            run_wrk(server.base_url + path, GET_LUA, 2, conns, threads)
        for number in range(1, settings.rounds + 1):
            results.loads.append(os.getloadavg()[0])
            before = server.cpu_seconds()
            health = run_wrk(server.base_url + HEALTH, GET_LUA, settings.seconds, conns, threads)
            middle = server.cpu_seconds()
            bbox = run_wrk(server.base_url + url, GET_LUA, settings.seconds, conns, threads)
            after = server.cpu_seconds()
            results.cpu_ms["health"].append((middle - before) * 1000 / max(health.requests, 1))
            results.cpu_ms["bbox"].append((after - middle) * 1000 / max(bbox.requests, 1))
            # Enough fresh pairs that no thread runs out, even at the trivial route's rate.
            wanted = int(health.rps * settings.seconds * 1.2) + 100
            per_thread = [plan.pairs(wanted // threads + 1) for _ in range(threads)]
            prefix = write_like_pairs(
                workdir, [[(plan.tokens[user], issue) for user, issue in pairs] for pairs in per_thread]
            )
            before = server.cpu_seconds()
            like = run_wrk(
                server.base_url + "/",
                LIKE_LUA,
                settings.seconds,
                conns,
                threads,
                args=[prefix, f"{settings.seconds - settings.like_tail:g}"],
            )
            results.cpu_ms["like"].append((server.cpu_seconds() - before) * 1000 / max(like.requests, 1))
            for pairs, fresh in zip(per_thread, like.fresh_by_thread, strict=True):
                sent_pairs.update(pairs[:fresh])
            new_likes += sum(like.fresh_by_thread)
            replays += like.sent - sum(like.fresh_by_thread)
            like_errors += like.errors
            results.health.append(health)
            results.bbox.append(bbox)
            results.like.append(like)
            log(
                f"  round {number}/{settings.rounds}: health {health.rps:.0f}/s, bbox {bbox.rps:.0f}/s "
                f"({bbox.rps / health.rps:.0%}), like {like.rps:.0f}/s ({like.rps / health.rps:.0%}), "
                f"errors {health.errors + bbox.errors + like.errors}"
            )
            time.sleep(1)
    return results, sent_pairs, LikeCounts(new_likes, replays, like_errors)


def sqlite_facts(session: Session) -> dict[str, str]:
    sqlite_version, spatialite = session.execute(text("SELECT sqlite_version(), spatialite_version()")).one()
    return {"SQLite": str(sqlite_version), "SpatiaLite": str(spatialite)}


def run_backend(name: str, database_url: str, settings: Settings, facts: dict[str, str]) -> BackendResult:
    log(f"{name}: measuring")
    app = bench_app(database_url)
    with app.app_context():
        session = db.session()
        if database_url.startswith("sqlite"):
            facts = {**facts, **sqlite_facts(session)}
        issues = int(session.scalar(select(func.count(Issue.id))) or 0)
        likes = int(session.scalar(select(func.count(Like.id))) or 0)
        area_ids = [int(a) for a in session.scalars(select(Area.id).order_by(Area.id))]
        viewport, in_view = viewport_for(session, VIEWPORT_TARGET)
        plans, index_used = query_plans(session, viewport, area_ids[0])
        db.session.remove()
    url = bbox_url(viewport)
    features = len(app.test_client().get(url).get_json()["features"])
    log(f"  {issues} issues, {likes} likes; viewport {url} holds {in_view} open issues, returns {features}")
    for key, used in index_used.items():
        log(f"  {key}: {'yes' if used else 'NO'}")
    inproc = measure_in_process(app, settings, url, area_ids)

    with app.app_context():
        plan = like_ledger.prepare(db.session(), settings.residents_with_tokens)
        before = like_ledger.snapshot(db.session())
        db.session.rollback()
        db.engine.dispose()  # the server's workers must be the only writers while it runs
    try:
        with tempfile.TemporaryDirectory(prefix="commonfix-likes-") as workdir:
            http, sent, counts = measure_http(database_url, settings, url, plan, Path(workdir))
        with app.app_context():
            audit = like_ledger.audit(db.session(), before, sent)
            log(
                f"  like audit: {audit.expected} new likes sent ({counts.errors} like errors, "
                f"{counts.replays} replays), rows +{audit.rows_added}, likes_count "
                f"+{audit.likes_count_added}, exact pairs {audit.exact_pairs}, inconsistent issues "
                f"{audit.inconsistent_issues}: {'OK' if audit.ok else 'FAILED'}"
            )
    finally:  # even after a failure: the cached database must stay as it was loaded
        with app.app_context():
            after = like_ledger.restore(db.session(), before, plan)
            restored = (after.rows, after.likes_sum) == (before.rows, before.likes_sum)
            db.session.remove()
            db.engine.dispose()
    return BackendResult(
        name=name,
        facts=facts,
        issues=issues,
        likes=likes,
        viewport=viewport,
        viewport_features=features,
        plans=plans,
        index_used=index_used,
        inproc=inproc,
        http=http,
        audit=audit,
        like_counts=counts,
        restored=restored,
    )


# --- entry point ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def backends(settings: Settings, which: str) -> Iterator[list[tuple[str, str, dict[str, str]]]]:
    """(name, database URL, version facts) for each backend to measure, each database built if needed."""
    chosen: list[tuple[str, str, dict[str, str]]] = []
    with contextlib.ExitStack() as stack:
        if which in ("sqlite", "both"):
            chosen.append(("SQLite + SpatiaLite", sqlite_database(settings.sizes), {}))
        if which in ("postgis", "both"):
            url, cluster = stack.enter_context(postgis_database(settings.sizes))
            versions = server_version(cluster)
            facts = {
                "PostgreSQL": versions["postgresql"],
                "PostGIS": versions["postgis"],
                "server settings": "throwaway-cluster defaults of ops/postgres_cluster.py "
                "(fsync=off, synchronous_commit=off)",
            }
            chosen.append(("PostgreSQL + PostGIS", url, facts))
        yield chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.foundation_bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="small data and few repetitions (a sanity run)")
    parser.add_argument("--backend", choices=("sqlite", "postgis", "both"), default="both")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --quick")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker (default 2)")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.workers or args.threads:
        spec = ServerSpec(args.workers or settings.server.workers, args.threads or settings.server.threads)
        settings = Settings(**{**settings.__dict__, "server": spec})
    if not wrk_available():
        print("wrk is needed for the HTTP figures: apt-get install -y wrk", file=sys.stderr)
        return 2
    os.environ.setdefault("RATELIMIT_ENABLED", "false")
    machine = machine_facts()
    results: list[BackendResult] = []
    with backends(settings, args.backend) as chosen:
        for name, url, facts in chosen:
            results.append(run_backend(name, url, settings, facts))
    text_ = report(results, settings, machine, args.quick)
    print("\n" + text_)
    if (args.write or not args.quick) and not args.no_write:
        replace_section(DOC, HEADING, text_)
        log(f"wrote {DOC.relative_to(REPO)} ({HEADING})")
    failed = [r.name for r in results if not r.audit.ok or r.like_counts.errors or not r.restored]
    if failed:
        print(f"Like audit failed on: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
