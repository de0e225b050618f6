"""What the transparency page's money flow costs on a city's long ledger: every line read into Python
(before) against sums by kind, account class and sign in the database (after).

A generated ledger of about 200,000 lines (every posting kind, 20 pools, 300 problems, the hash chain's
salts) is bulk-inserted into a fresh database of each engine. **Before** is the page's flow as it was
computed (tests/funding/line_by_line_flow.py: every line read in one statement, as `city_lines` did,
then `flow` over the rows and the postings counted from them); **after** is `money_flow.city_flow` and
`money_trail.posting_count`, what the page runs now. Both are checked equal before timing. The two
alternate, in one process, and each figure is the median of its runs. The same for one pool's page
(`pool_flow`: the pool's postings and its problems' payouts and returns), and the peak of Python's
allocations (tracemalloc) of one run of each.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import random
import statistics
import subprocess
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import flask_migrate
from flask import Flask
from sqlalchemy import func, insert, select

from app import create_app
from app.extensions import db
from app.models import LedgerChainLink, LedgerLine, LedgerPosting
from app.services.funding import groups, money_flow, money_trail
from bench.benchmarks_doc import publish
from bench.databases import SECRET_KEY
from bench.scratch_databases import scratch_databases
from budgets.accounts import (
    CITY_MATCH,
    PostingKind,
    available_account,
    escrow_account,
    issue_account,
    payee_account,
    resident_account,
    rollover_account,
)
from config import ProductionConfig
from tests import factories
from tests.funding import line_by_line_flow

HEADING = "## The transparency page's money flow on a long ledger"
COMMAND = ".venv/bin/python -m bench.money_flow_bench"
NAME = "money-flow-bench"
POOLS = 20
PROBLEMS = 300
RESIDENTS = 20_000
START = datetime(2024, 1, 1)
# Posting kinds in the proportions a city's ledger might hold them over a few years.
KINDS = (
    (PostingKind.PLEDGE, 40),
    (PostingKind.BACKING, 20),
    (PostingKind.MATCH, 5),
    (PostingKind.QF_MATCH, 3),
    (PostingKind.COMMIT, 5),
    (PostingKind.PAYOUT, 8),
    (PostingKind.ALLOCATION, 4),
    (PostingKind.REFUND, 2),
    (PostingKind.ROLLOVER, 2),
    (PostingKind.UNBACK, 3),
    (PostingKind.RETURN, 3),
)


@dataclass(frozen=True)
class Measured:
    backend: str
    lines: int
    postings: int
    runs: int
    city_before_ms: float
    city_after_ms: float
    pool_lines: int
    pool_before_ms: float
    pool_after_ms: float
    funded_problems_ms: float
    city_funded_problems_ms: float
    city_before_peak_mb: float
    city_after_peak_mb: float


Lines = list[tuple[str, int]]


class LedgerMaker:
    """Postings of every kind, each posting's lines summing to zero; amounts are plausible, not a history
    a pool could have had (the flow's figures do not need one)."""

    def __init__(self, pools: list[int], problems: list[int]) -> None:
        self.rng = random.Random(2026)
        self.pools, self.problems = pools, problems
        self.payees = 0

    def resident(self) -> str:
        return resident_account(self.rng.randrange(1, RESIDENTS))

    def cents(self) -> int:
        return self.rng.randrange(100, 20_000)

    def posting(self, kind: str) -> tuple[int | None, int | None, Lines]:
        """(pool id, problem id, lines) of one posting of `kind`."""
        rng = self.rng
        pool, problem, cents = rng.choice(self.pools), rng.choice(self.problems), self.cents()
        held = rng.choice((available_account(pool), rollover_account(pool)))
        if kind == PostingKind.PLEDGE:
            return pool, None, [(self.resident(), -cents), (available_account(pool), cents)]
        if kind == PostingKind.MATCH:
            return pool, None, [(CITY_MATCH, -cents), (available_account(pool), cents)]
        if kind == PostingKind.ROLLOVER:
            return pool, None, [(available_account(pool), -cents), (rollover_account(pool), cents)]
        if kind == PostingKind.ALLOCATION:
            parts = [
                (issue_account(i), self.cents()) for i in rng.sample(self.problems, rng.randrange(5, 16))
            ]
            return pool, None, [(held, -sum(c for _, c in parts)), *parts]
        if kind == PostingKind.REFUND:
            parts = [(self.resident(), self.cents()) for _ in range(rng.randrange(3, 9))] + [
                (CITY_MATCH, cents)
            ]
            return pool, None, [(held, -sum(c for _, c in parts)), *parts]
        if kind == PostingKind.BACKING:
            return None, problem, [(self.resident(), -cents), (escrow_account(problem), cents)]
        if kind == PostingKind.QF_MATCH:
            return None, problem, [(CITY_MATCH, -cents), (escrow_account(problem), cents)]
        if kind == PostingKind.COMMIT:
            return None, problem, [(escrow_account(problem), -cents), (issue_account(problem), cents)]
        if kind == PostingKind.UNBACK:
            parts = [(self.resident(), self.cents()) for _ in range(rng.randrange(2, 6))] + [
                (CITY_MATCH, cents)
            ]
            return None, problem, [(escrow_account(problem), -sum(c for _, c in parts)), *parts]
        if kind == PostingKind.PAYOUT:
            self.payees += 1
            return None, problem, [(issue_account(problem), -cents), (payee_account(self.payees), cents)]
        # A return: to a pool (the pool's posting), or to residents and the city.
        if rng.random() < 0.6:
            return pool, problem, [(issue_account(problem), -cents), (available_account(pool), cents)]
        parts = [(self.resident(), self.cents()), (CITY_MATCH, cents)]
        return None, problem, [(issue_account(problem), -sum(c for _, c in parts)), *parts]


def prepare(app: Flask, target_lines: int) -> tuple[int, int]:
    """The schema, POOLS pools and PROBLEMS problems, and a ledger of about `target_lines` lines
    (bulk-inserted, chained with salts but without real hashes); returns (postings, lines)."""
    with app.app_context():
        flask_migrate.upgrade()
        factories.load_city(db.session())
        area_id = groups.area_id_by_name(db.session, "Old Town")
        pools = []
        for n in range(POOLS):
            group = groups.create_group(db.session, None, area_id, f"Bench pool {n}")
            pools.append(groups.get_group_row(db.session, group.id).pool_id)
        reporter = factories.new_user(db.session())
        problems = [factories.new_issue(db.session(), reporter).id for _ in range(PROBLEMS)]
        db.session.commit()
        maker = LedgerMaker(pools, problems)
        names, weights = zip(*KINDS, strict=True)
        postings: list[dict[str, Any]] = []
        lines: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        count = 0
        while count < target_lines:
            posting_id = len(postings) + 1
            kind = maker.rng.choices(names, weights)[0]
            pool_id, issue_id, made = maker.posting(kind)
            when = START + timedelta(minutes=15 * posting_id)
            postings.append(
                {"id": posting_id, "kind": kind, "memo": kind, "pool_id": pool_id, "issue_id": issue_id}
                | {"created_at": when}
            )
            lines += [{"posting_id": posting_id, "account": a, "amount_cents": c} for a, c in made]
            link = {"seq": posting_id, "posting_id": posting_id, "prev_hash": "0" * 64, "hash": "0" * 64}
            links.append(link | {"salt": f"{maker.rng.getrandbits(128):032x}"})
            count += len(made)
        for model, rows in ((LedgerPosting, postings), (LedgerLine, lines), (LedgerChainLink, links)):
            for start in range(0, len(rows), 5000):
                db.session.execute(insert(model), rows[start : start + 5000])
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(select(func.count()).select_from(LedgerLine))  # warm the page cache
            db.session.connection().exec_driver_sql("ANALYZE")
            db.session.commit()
        db.session.remove()
        return len(postings), len(lines)


@contextlib.contextmanager
def one_statement() -> Iterator[None]:
    """The CSV's keyset pages made as large as the ledger: the lines read in one statement, as the page's
    `city_lines` and `pool_lines` read them."""
    page = money_trail.LINE_PAGE
    money_trail.LINE_PAGE = 10**9
    try:
        yield
    finally:
        money_trail.LINE_PAGE = page


def timed(app: Flask, work: Callable[[], object]) -> float:
    with app.app_context():
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
        db.session.remove()
    return 1000 * elapsed


def peak_mb(app: Flask, work: Callable[[], object]) -> float:
    with app.app_context():
        tracemalloc.start()
        work()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        db.session.remove()
    return peak / 2**20


def measure(backend: str, url: str, target_lines: int, runs: int) -> Measured:
    app = create_app(ProductionConfig, {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    postings, lines = prepare(app, target_lines)
    pool_id = 1

    def city_before() -> object:
        with one_statement():
            return line_by_line_flow.city_flow(db.session)

    def city_after() -> object:
        return money_flow.city_flow(db.session), money_trail.posting_count(db.session)

    def funded() -> list[money_trail.FundedProblem]:
        return money_trail.funded_problems(db.session, pool_id)

    def city_funded() -> list[money_trail.FundedProblem]:
        return money_trail.funded_problems(db.session)

    def pool_before() -> object:
        with one_statement():
            return line_by_line_flow.pool_flow(db.session, pool_id, problems)

    def pool_after() -> object:
        return money_flow.pool_flow(db.session, pool_id, problems)

    with app.app_context():
        problems = funded()  # the page reads them either way, for its table too: timed apart
        if city_before() != city_after() or pool_before() != pool_after():
            raise SystemExit(f"{backend}: the summed flow differs from the line-by-line one")
        pool_lines = sum(1 for _ in money_trail.streamed_pool_lines(db.session, pool_id))
        db.session.remove()
    times: dict[str, list[float]] = {"cb": [], "ca": [], "pb": [], "pa": [], "fp": [], "fc": []}
    for run in range(runs):
        order = [("cb", city_before), ("ca", city_after), ("pb", pool_before), ("pa", pool_after)]
        order += [("fp", funded), ("fc", city_funded)]
        for key, work in order if run % 2 == 0 else order[::-1]:
            times[key].append(timed(app, work))
    peaks = (peak_mb(app, city_before), peak_mb(app, city_after))
    with app.app_context():
        db.engine.dispose()
    med = {key: statistics.median(found) for key, found in times.items()}
    return Measured(
        backend,
        lines,
        postings,
        runs,
        med["cb"],
        med["ca"],
        pool_lines,
        med["pb"],
        med["pa"],
        med["fp"],
        med["fc"],
        *peaks,
    )


def commit() -> str:
    """The checked-out commit the figures are of."""
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or "unknown"


def report(results: list[Measured], load: float) -> str:
    first = results[0]
    rows = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit()}, Python "
        f"{platform.python_version()}, {platform.machine()}, a shared 2-core machine; 1-minute load "
        f"average {load:.1f} when the run started).",
        "",
        f"A generated ledger of {first.lines:,} lines in {first.postings:,} postings (every posting kind, "
        f"{POOLS} pools, {PROBLEMS} problems, chained with salts), bulk-inserted into a fresh database of "
        "each engine. **Before**: the flow as the pages computed it until this change, every line read "
        "into Python in one statement (with its posting, chain salt and currency, as `city_lines` and "
        "`pool_lines` did) and added up by `flow` (kept as the test oracle, "
        "tests/funding/line_by_line_flow.py), the city page's postings counted from the rows. **After**: "
        "`money_flow.city_flow` / `pool_flow`, the lines summed in the database by posting kind, account "
        "class and sign (a few dozen rows), and `money_trail.posting_count`. Both checked equal first, "
        f"then alternated in one process, {first.runs} runs each; medians. The pool is pool 1 (its "
        "postings and its problems' payouts and returns); its `funded_problems`, which the pool's flow "
        "takes its paid and returned share from and the page lists, is read once beforehand and timed "
        "apart (unchanged by this change). Peak: tracemalloc's peak of Python allocations during one "
        "city run of each.",
        "",
        "| Backend | City flow, before | City flow, after | Ratio | Pool's lines | Pool flow, before "
        "| Pool flow, after | Ratio | Pool's funded_problems | Peak memory (city), before / after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows.append(
            f"| {r.backend} | {r.city_before_ms:,.0f} ms | {r.city_after_ms:,.1f} ms "
            f"| {r.city_before_ms / r.city_after_ms:,.0f}x | {r.pool_lines:,} | {r.pool_before_ms:,.1f} ms "
            f"| {r.pool_after_ms:,.1f} ms | {r.pool_before_ms / r.pool_after_ms:,.1f}x "
            f"| {r.funded_problems_ms:,.0f} ms "
            f"| {r.city_before_peak_mb:,.1f} MB / {r.city_after_peak_mb:,.2f} MB |"
        )
    rows += [
        "",
        "Not changed here: `funded_problems`, which both pages "
        "list (the city's every problem that held committed money, here all of them; the pool's, those it "
        "funded), took "
        + "; ".join(
            f"{r.city_funded_problems_ms:,.0f} ms city-wide and {r.funded_problems_ms:,.0f} ms for pool 1 on "
            f"{r.backend}"
            for r in results
        )
        + " (medians of the same runs).",
        "",
        "Ratio: before / after. The aggregate still reads every line (a scan of ledger_lines joined to "
        "its postings), so it grows with the ledger too, but in the database and without a Python object "
        "per line; memory no longer grows with it.",
    ]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 lines, SpatiaLite only, no writing")
    args = parser.parse_args()
    target, runs = (20_000, 3) if args.quick else (200_000, 7)
    load = os.getloadavg()[0]
    results = []
    with scratch_databases(NAME, args.quick) as found:
        for backend, url in found:
            measured = measure(backend, url, target, runs)
            before, after = measured.city_before_ms, measured.city_after_ms
            print(f"{backend}: city {before:.0f} ms before, {after:.1f} ms after", flush=True)
            results.append(measured)
    text = report(results, load)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
