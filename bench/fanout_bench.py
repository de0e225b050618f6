"""A status change of a problem with 2,000 followers: the official's request, with the followers' mail
built in it (as before the fan-out) and left to the worker's fan-out job, on both engines.

Each case changes the status through the workflow service and commits, as the staff view does, timed
from the call to the end of the commit; the SQL statements it issued are counted. The fan-out job's
own time (building and queueing the 2,000 mails in the worker) is measured once per engine.
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
from sqlalchemy import event, select

from app import create_app
from app.extensions import db
from app.jobs import mail_fanout
from app.models import Follow, MailFanout, User
from app.services.workflow import status_changes as workflow
from bench.benchmarks_doc import publish
from bench.databases import SECRET_KEY
from bench.scratch_databases import scratch_databases
from config import ProductionConfig
from tests import factories

HEADING = "## A status change of a much-followed problem (mail fan-out)"
COMMAND = ".venv/bin/python -m bench.fanout_bench"
NAME = "fanout_bench"
FOLLOWERS = 2000
RUNS = 3
STATUSES = ("acknowledged", "planned", "in-progress")


@dataclass(frozen=True)
class Measured:
    backend: str
    inline_s: float
    inline_statements: int
    fanout_s: float
    fanout_statements: int
    job_s: float


def change(official_id: int, issue_id: int, status: str) -> tuple[float, int]:
    """One status change committed: seconds, SQL statements."""
    seen: list[str] = []

    def count(*_args: object) -> None:
        seen.append("")

    event.listen(db.engine, "before_cursor_execute", count)
    started = time.perf_counter()
    actor = db.session.get(User, official_id)
    assert actor is not None
    workflow.change_status(db.session, actor, issue_id, status, "Crew booked for Tuesday.")
    db.session.commit()
    elapsed = time.perf_counter() - started
    event.remove(db.engine, "before_cursor_execute", count)
    return elapsed, len(seen)


def measure(backend: str, url: str, folder: Path) -> Measured:
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "QUEUE_URL": f"sqlite:///{folder / 'queue.sqlite3'}",  # jobs wait there: no worker runs
    }
    app = create_app(ProductionConfig, settings)
    with app.app_context():
        flask_migrate.upgrade()
        factories.load_city(db.session)
        official = factories.new_user(db.session, role="official", email="official@bench.example")
        issues = [factories.new_issue(db.session).id for _ in range(2)]
        for n in range(FOLLOWERS):
            user = factories.new_user(db.session, email=f"follower{n}@bench.example")
            db.session.add_all(Follow(user_id=user.id, issue_id=issue_id) for issue_id in issues)
        db.session.commit()
        official_id = official.id
        timings: dict[str, list[tuple[float, int]]] = {"inline": [], "fanout": []}
        for run in range(RUNS):
            for case, issue_id in zip(("inline", "fanout"), issues, strict=True):
                app.config["MAIL_FANOUT_INLINE"] = 10**9 if case == "inline" else 50
                timings[case].append(change(official_id, issue_id, STATUSES[run]))
        fanouts = list(db.session.scalars(select(MailFanout.id)))
        db.session.commit()
        started = time.perf_counter()
        mail_fanout.fan_out(fanouts[0])
        job_s = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    inline, fanout = timings["inline"], timings["fanout"]
    return Measured(
        backend,
        statistics.median(t for t, _ in inline),
        inline[-1][1],
        statistics.median(t for t, _ in fanout),
        fanout[-1][1],
        job_s,
    )


def report(results: list[Measured], load: float) -> str:
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {platform.machine()}, a shared 2-core machine; 1-minute load "
        f"average {load:.1f} when the run started).",
        "",
        f"An official's status change of a problem with {FOLLOWERS:,} followers, "
        "through the workflow service and its commit, as the staff view makes it; median of "
        f"{RUNS} changes per case, the two cases taking turns in one run. **Built in the request**: "
        "every follower's message built and queued in the request (the way before the fan-out; "
        "`MAIL_FANOUT_INLINE` set above the followers). **Fan-out**: the default (50), the request "
        "writes one fan-out row. **Fan-out job**: the worker building and queueing the "
        f"{FOLLOWERS:,} mails of one fan-out, in chunks of 200 (not in anyone's request).",
        "",
        "| Backend | Built in the request | Statements | Fan-out | Statements | Ratio | Fan-out job |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.inline_s:.2f} s | {r.inline_statements:,} | {1000 * r.fanout_s:.0f} ms "
            f"| {r.fanout_statements} | {r.fanout_s / r.inline_s:.3f} | {r.job_s:.2f} s |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="SpatiaLite only, no writing")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    results = []
    with scratch_databases(NAME, args.quick) as found, tempfile.TemporaryDirectory() as tmp:
        for n, (backend, url) in enumerate(found):
            folder = Path(tmp) / str(n)
            measured = measure(backend, url, folder)
            print(f"{backend}: {measured.inline_s:.2f} s -> {measured.fanout_s * 1000:.0f} ms", flush=True)
            results.append(measured)
    text = report(results, load)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
