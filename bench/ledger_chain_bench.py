"""What the ledger's hash chain costs a pledge: confirmed pledges per second with and without the chain.

Each pledge goes through the service a pledging request calls (`pledges.pledge` with the test provider,
which confirms it at once: the pledge row, the pool lock, the balance checks, the ledger posting) and
commits, one transaction per pledge, as a request does. "Chained" is the app as it is: the commit seals
the posting into the hash chain (the chain lock, the last hash, one link row). "Unchained" removes only
that sealing hook, which is the ledger as it was before the chain. Batches alternate between the two so
the shared machine's load falls on both alike; the figures are medians over the batches of one run.
Serial: one writer. Concurrent: four threads, each pledging into its own pool, so nothing but the
chain's lock orders their commits.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import flask_migrate
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.models import User
from app.services.funding import groups, ledger_chain, pledges
from app.services.funding.payments import TestProvider
from bench.benchmarks_doc import publish
from bench.databases import SECRET_KEY
from bench.scratch_databases import scratch_databases
from config import ProductionConfig
from tests import factories

HEADING = "## The ledger's hash chain: what it costs a pledge (issue 18)"
COMMAND = ".venv/bin/python -m bench.ledger_chain_bench"
WRITERS = 4
_keys = itertools.count(1)


@dataclass(frozen=True)
class Measured:
    backend: str
    batches: int
    serial_pledges: int
    serial_chained_ms: float
    serial_unchained_ms: float
    concurrent_pledges: int
    concurrent_chained_per_s: float
    concurrent_unchained_per_s: float
    chain_length: int


NAME = "ledger_chain_bench"  # its scratch databases


@contextlib.contextmanager
def chained(on: bool) -> Iterator[None]:
    """The app as it is (on), or without the commit hook that seals postings into the chain (off)."""
    hook = ledger_chain._seal_on_commit  # the one hook the chain adds to a commit
    if on:
        yield
        return
    event.remove(Session, "before_commit", hook)
    try:
        yield
    finally:
        event.listen(Session, "before_commit", hook)


def prepare(app: Flask) -> tuple[list[int], list[int]]:
    """WRITERS groups (pools) in one area, a member in each; returns (pool ids, user ids)."""
    with app.app_context():
        flask_migrate.upgrade()
        factories.load_city(db.session())
        area_id = groups.area_id_by_name(db.session, "Old Town")
        pool_ids, user_ids = [], []
        for n in range(WRITERS):
            group = groups.create_group(db.session, None, area_id, f"Bench {n}", max_pledge_cents=10**9)
            user = factories.new_user(db.session(), email=f"pledger{n}@example.org")
            groups.join(db.session, user, group.id)
            pool_ids.append(groups.get_group_row(db.session, group.id).pool_id)
            user_ids.append(user.id)
        db.session.commit()
        db.session.remove()
    return pool_ids, user_ids


def pledge_many(app: Flask, pool_id: int, user_id: int, count: int) -> None:
    with app.app_context():
        provider = TestProvider()
        for _ in range(count):
            user = db.session.get(User, user_id)
            assert user is not None
            pledges.pledge(db.session, user, pool_id, 100, f"b{next(_keys)}", provider)
            db.session.commit()
        db.session.remove()


def serial_ms(app: Flask, pool_id: int, user_id: int, count: int) -> float:
    started = time.perf_counter()
    pledge_many(app, pool_id, user_id, count)
    return 1000 * (time.perf_counter() - started) / count


def concurrent_per_s(app: Flask, pool_ids: list[int], user_ids: list[int], each: int) -> float:
    threads = [
        threading.Thread(target=pledge_many, args=(app, pool_ids[n], user_ids[n], each))
        for n in range(WRITERS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return WRITERS * each / (time.perf_counter() - started)


def measure(backend: str, url: str, batches: int, serial: int, each: int) -> Measured:
    app = create_app(ProductionConfig, {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    pool_ids, user_ids = prepare(app)
    pledge_many(app, pool_ids[0], user_ids[0], 20)  # warm up: connections, statement caches
    results: dict[bool, list[float]] = {True: [], False: []}
    rates: dict[bool, list[float]] = {True: [], False: []}
    for batch in range(batches):
        for on in (batch % 2 == 0, batch % 2 == 1):  # alternate which goes first
            with chained(on):
                results[on].append(serial_ms(app, pool_ids[0], user_ids[0], serial))
                rates[on].append(concurrent_per_s(app, pool_ids, user_ids, each))
    with app.app_context():
        length = ledger_chain.tip(db.session).postings
        db.session.remove()
        db.engine.dispose()
    return Measured(
        backend,
        batches,
        serial,
        statistics.median(results[True]),
        statistics.median(results[False]),
        WRITERS * each,
        statistics.median(rates[True]),
        statistics.median(rates[False]),
        length,
    )


def report(results: list[Measured], load: float) -> str:
    first = results[0]
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {platform.machine()}, a shared 2-core machine; 1-minute load "
        f"average {load:.1f} when the run started).",
        "",
        "Confirmed pledges through `pledges.pledge` (test provider), one committed transaction each. "
        "**Chained**: the app as it is (each commit seals its posting into the hash chain). "
        "**Unchained**: the same with only the sealing hook removed (the ledger before the chain). "
        f"{first.batches} batches of each, alternating; medians of the batches. Serial: one writer, "
        f"{first.serial_pledges} pledges a batch, time per pledge. Concurrent: {WRITERS} threads, each "
        f"into its own pool, {first.concurrent_pledges} pledges a batch, pledges per second. The chain "
        "held the stated number of postings at the end (the unchained batches' postings are not in it).",
        "",
        "| Backend | Serial, chained | Serial, unchained | Ratio | Concurrent, chained | "
        "Concurrent, unchained | Ratio | Chain length |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.serial_chained_ms:.2f} ms | {r.serial_unchained_ms:.2f} ms "
            f"| {r.serial_chained_ms / r.serial_unchained_ms:.2f} "
            f"| {r.concurrent_chained_per_s:.0f}/s | {r.concurrent_unchained_per_s:.0f}/s "
            f"| {r.concurrent_chained_per_s / r.concurrent_unchained_per_s:.2f} | {r.chain_length:,} |"
        )
    lines += [
        "",
        "Ratios are chained / unchained: for time per pledge above 1 is slower, for pledges per second "
        "below 1 is slower. What the chain adds to a commit: the chain lock (an advisory lock on "
        "PostgreSQL; SQLite's one writer already held), one read of the last link, one insert. The lock "
        "is held until the commit is durable, so concurrent commits into different pools queue on it one "
        "at a time: the price of one total order, seen in the concurrent columns. On this shared machine "
        "differences of a few per cent are within the noise.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small batches, SpatiaLite only, no writing")
    args = parser.parse_args()
    batches, serial, each = (2, 30, 10) if args.quick else (7, 150, 40)
    load = os.getloadavg()[0]
    results = []
    with scratch_databases(NAME, args.quick) as found:
        for backend, url in found:
            measured = measure(backend, url, batches, serial, each)
            print(
                f"{backend}: serial {measured.serial_chained_ms:.2f} ms chained, "
                f"{measured.serial_unchained_ms:.2f} ms unchained",
                flush=True,
            )
            results.append(measured)
    text = report(results, load)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
