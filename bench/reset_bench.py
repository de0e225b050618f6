"""Asking for a password reset: the time an answer takes for an address with an account and without.

The answer must not tell the two apart (DESIGN.md, "Password reset and account settings"); its body is
the same by construction and by test, and this measures the time. Requests alternate between a known
and an unknown address (so load on the shared machine falls on both alike) through the app's own stack
(the JSON API and the web form, rate limits off), each committing its outbox row and enqueueing the
delivery job on a Huey SQLite queue file, as `make run` does (no worker runs, so no mail is sent).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
from flask import Flask

from app import create_app
from app.extensions import db
from app.services.accounts import users
from bench.benchmarks_doc import publish
from bench.scratch_databases import scratch_databases
from config import TestingConfig

HEADING = "## Password reset: known and unknown addresses (issue 14)"
COMMAND = ".venv/bin/python -m bench.reset_bench"
KNOWN = "known.resident@example.org"
UNKNOWN = "nobody.here@example.org"


@dataclass(frozen=True)
class Measured:
    backend: str
    route: str
    requests: int  # per address
    known_median_ms: float
    unknown_median_ms: float
    known_p90_ms: float
    unknown_p90_ms: float

    @property
    def ratio(self) -> float:
        return self.known_median_ms / self.unknown_median_ms


NAME = "reset_bench"  # its scratch databases


def bench_app(url: str, workdir: Path) -> Flask:
    app = create_app(
        TestingConfig,
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,  # the same check for both addresses; the bench posts no token
            "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite3'}",
            "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        },
    )
    with app.app_context():
        flask_migrate.upgrade()
        users.register(db.session, KNOWN, "Known Resident", "a long enough password")
        db.session.commit()
    return app


def measure(backend: str, app: Flask, route: str, rounds: int) -> Measured:
    client = app.test_client()
    client.get("/account/password/forgot")  # warm: templates compiled, connections open
    timings: dict[str, list[float]] = {KNOWN: [], UNKNOWN: []}
    for n in range(rounds + 5):
        for address in (KNOWN, UNKNOWN) if n % 2 == 0 else (UNKNOWN, KNOWN):
            started = time.perf_counter()
            if route == "api":
                status = client.post("/api/v1/account/password-reset", json={"email": address}).status_code
            else:
                status = client.post("/account/password/forgot", data={"email": address}).status_code
            elapsed = time.perf_counter() - started
            assert status in (200, 202), status
            if n >= 5:  # the first rounds warm both paths
                timings[address].append(elapsed)
    known, unknown = sorted(timings[KNOWN]), sorted(timings[UNKNOWN])
    return Measured(
        backend,
        "POST /api/v1/account/password-reset" if route == "api" else "POST /account/password/forgot",
        rounds,
        1000 * statistics.median(known),
        1000 * statistics.median(unknown),
        1000 * known[int(0.9 * (len(known) - 1))],
        1000 * unknown[int(0.9 * (len(unknown) - 1))],
    )


def report(results: list[Measured], load: float) -> str:
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {platform.machine()}, a shared 2-core machine; 1-minute load "
        f"average {load:.1f} when the run started).",
        "",
        f"{results[0].requests} requests per address and route, alternating between an address with an "
        "account and one without, through the app's stack (Flask test client; rate limits and the form's "
        "CSRF check off). Both answers queue one mail (the link, or the note that no account uses the "
        "address) and enqueue its delivery on a Huey SQLite queue file. Ratio: known median / unknown "
        "median (1.00 = indistinguishable by time).",
        "",
        "| Backend | Route | Known median | Unknown median | Ratio | Known p90 | Unknown p90 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | `{r.route}` | {r.known_median_ms:.2f} ms | {r.unknown_median_ms:.2f} ms "
            f"| {r.ratio:.2f} | {r.known_p90_ms:.2f} ms | {r.unknown_p90_ms:.2f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 requests, SpatiaLite only, no writing")
    args = parser.parse_args()
    rounds = 40 if args.quick else 300
    load = os.getloadavg()[0]
    results = []
    with (
        tempfile.TemporaryDirectory(prefix="reset-bench-") as tmp,
        scratch_databases(NAME, args.quick) as found,
    ):
        for n, (backend, url) in enumerate(found):
            workdir = Path(tmp) / f"app{n}"
            workdir.mkdir()
            app = bench_app(url, workdir)
            for route in ("api", "web"):
                measured = measure(backend, app, route, rounds)
                print(
                    f"{backend} {measured.route}: known {measured.known_median_ms:.2f} ms, unknown "
                    f"{measured.unknown_median_ms:.2f} ms (ratio {measured.ratio:.2f})",
                    flush=True,
                )
                results.append(measured)
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    text = report(results, load)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
