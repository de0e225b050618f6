"""Tallies through the job queue (issue 17): a round of 20,000 ballots x 100 candidates tallied by a
separate worker process, end to end from the tally request to the job's "done", on each database
engine and each queue storage.

    .venv/bin/python -m bench.queue_bench            # SQLite and PostGIS x embedded queue and Redis
    .venv/bin/python -m bench.queue_bench --quick    # 2,000 ballots, SQLite + embedded queue, no writing

Each measurement (three per combination, `--repeat N`; medians reported) gets a fresh database built
by bench/rounds_bench.py's builder (same round, same deterministic ballots) and a running
`flask --app wsgi worker --workers 1` (started and ready before the clock starts). The clock runs
from sending POST /api/v1/rounds/<id>/tally (in-process Flask client, answered 202 after the claim is
committed and the job enqueued) until the job's row says done, polled every 50 ms. The target
(< 10 s) is reported, not asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.benchmarks_doc import publish
from tests.jobs.deployment import deploy
from tests.redis_server import RedisServer
from tests.redis_server import unavailable_reason as redis_unavailable

HEADING = "## Tallies through the job queue (issue 17)"
COMMAND = ".venv/bin/python -m bench.queue_bench"
LEASE_SECONDS = 60


@dataclass
class Measured:
    backend: str
    queue: str
    ballots: int
    runs: list[tuple[float, float, float]]  # (request ms, picked up s, done s) per fresh round


@contextlib.contextmanager
def backends(quick: bool, root: Path) -> Iterator[list[tuple[str, Callable[[], str]]]]:
    """(name, a factory of fresh database URLs) for each engine available."""
    counter = iter(range(1000))
    found: list[tuple[str, Callable[[], str]]] = [
        ("SQLite + SpatiaLite", lambda: f"sqlite:///{root / f'bench-{next(counter)}.db'}")
    ]
    if quick:
        yield found
        return
    from tests.postgis_cluster import running_cluster, unavailable_reason

    if unavailable_reason() is not None:
        print(f"PostGIS skipped: {unavailable_reason()}")
        yield found
        return
    with running_cluster() as cluster:
        yield [*found, ("PostgreSQL + PostGIS", lambda: cluster.create_database(f"queue_{next(counter)}"))]


@contextlib.contextmanager
def queues(quick: bool, root: Path) -> Iterator[list[tuple[str, Callable[[], str]]]]:
    counter = iter(range(1000))
    found: list[tuple[str, Callable[[], str]]] = [
        ("embedded SQLite", lambda: f"sqlite:///{root / f'queue-{next(counter)}.sqlite3'}")
    ]
    if quick or redis_unavailable() is not None:
        yield found
        return
    server = RedisServer(root)
    server.start()
    try:
        yield [*found, ("Redis", lambda: server.url(next(counter) % 16))]
    finally:
        server.stop()


def measure_once(database_url: str, queue_url: str, ballots: int, root: Path) -> tuple[float, float, float]:
    """(request ms, seconds until the worker reported progress, seconds until done)."""
    run = Path(tempfile.mkdtemp(dir=root))
    d = deploy(database_url, queue_url, run, ballots, LEASE_SECONDS)
    try:
        d.start_worker("--workers", "1", "--no-scheduler")
        started = time.perf_counter()
        response = d.request_tally()
        request_ms = 1000 * (time.perf_counter() - started)
        assert response.status_code == 202, response.get_json()
        job_id = response.get_json()["job"]["id"]
        picked_up = done = 0.0
        while True:
            row = d.job(job_id)
            now = time.perf_counter() - started
            if not picked_up and row.status != "queued":
                picked_up = now
            if row.status in ("done", "failed"):
                done = now
                break
            if now > 300:
                raise RuntimeError(f"the tally took more than 300 s:\n{d.workers[0].log_tail()}")
            time.sleep(0.05)
        assert row.status == "done", row.error
        assert d.allocations() == 1
        return request_ms, picked_up, done
    finally:
        d.stop()


def report(results: list[Measured]) -> str:
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{platform.machine()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the end).",
        "",
        f"The round of the rounds benchmark ({results[0].ballots:,} members' approval ballots over 100 "
        "costed candidates, equalshares/add1) tallied by a separate `flask --app wsgi worker --workers 1` "
        "process, end to end: from sending the tally request (202 once the claim is committed and the "
        "job enqueued) to the job's row saying done (polled every 50 ms). The job's attempt takes the "
        "lease, reads the ballots, runs the rule with heartbeats and posts everything in one transaction.",
        "",
        "| Database | Queue | Ballots | Request (202) | Picked up by the worker "
        "| Request to done (target < 10 s) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        request, picked, done = (statistics.median(run[i] for run in r.runs) for i in range(3))
        runs = f", median of {len(r.runs)}" if len(r.runs) > 1 else ""
        lines.append(
            f"| {r.backend} | {r.queue} | {r.ballots:,} | {request:.0f} ms | {picked:.2f} s "
            f"| {done:.2f} s ({'met' if done < 10 else 'missed'}{runs}) |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2,000 ballots, SQLite + embedded queue, no writing"
    )
    parser.add_argument("--repeat", type=int, default=3, help="fresh rounds per combination (median)")
    args = parser.parse_args()
    ballots = 2000 if args.quick else 20_000
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="queue-bench-") as tmp:
        root = Path(tmp)
        with backends(args.quick, root) as engines, queues(args.quick, root) as storages:
            for backend, new_database in engines:
                for queue, new_queue in storages:
                    print(f"{backend} x {queue}: building {ballots:,} ballots ...", flush=True)
                    runs = [
                        measure_once(new_database(), new_queue(), ballots, root) for _ in range(args.repeat)
                    ]
                    measured = Measured(backend, queue, ballots, runs)
                    print(f"  (request ms, picked up s, done s): {runs}", flush=True)
                    results.append(measured)
    text = report(results)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
