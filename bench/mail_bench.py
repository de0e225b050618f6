"""Mail delivery from the outbox: the window in which a crash would send a mail twice, on both engines.

Each mail goes through the delivery job's own code (`deliver_one`: claim and commit, send over SMTP,
mark sent and commit) to a real SMTP server on a loopback port (tests/mail/smtp_sink.py). The window
is measured from the moment the server answers "250" to the message's data (it has accepted the mail)
to the moment `deliver_one` returns (QUIT, the row marked sent, committed): a worker dying inside it
sends that mail again after its lease. An upper bound: it also holds the log line and the return.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import flask_migrate

from app import create_app
from app.extensions import db
from app.jobs.mail_delivery import deliver_one
from app.mail import SmtpBackend, build_message
from app.mail_outbox import DeliveryRules, insert_mail
from app.models.timestamps import utcnow
from bench.benchmarks_doc import publish
from bench.databases import SECRET_KEY
from bench.scratch_databases import scratch_databases
from config import ProductionConfig
from tests.mail.smtp_sink import running_sink

HEADING = "## Mail delivery from the outbox (issue 17)"
COMMAND = ".venv/bin/python -m bench.mail_bench"


@dataclass(frozen=True)
class Measured:
    backend: str
    mails: int
    window_median_ms: float
    window_p99_ms: float
    window_max_ms: float
    per_mail_ms: float


NAME = "mail_bench"  # its scratch databases


def measure(backend: str, url: str, mails: int) -> Measured:
    app = create_app(ProductionConfig, {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        flask_migrate.upgrade()
        ids = []
        for n in range(mails):
            message = build_message(
                to=f"resident{n}@example.org",
                subject=f"Problem {n} is now Planned",
                text="x" * 600,
                sender="Commonfix <noreply@localhost>",
            )
            mail_id = insert_mail(db.session, f"bench:{n}", message, utcnow())
            assert mail_id is not None
            ids.append(mail_id)
        db.session.commit()
        windows = []
        rules = DeliveryRules()
        with running_sink() as sink:
            backend_ = SmtpBackend({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port})
            started = time.perf_counter()
            for mail_id in ids:
                assert deliver_one(backend_, mail_id, rules)
                windows.append(time.monotonic() - sink.accepted_at[-1])
            elapsed = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()
    ordered = sorted(windows)
    return Measured(
        backend,
        mails,
        1000 * statistics.median(ordered),
        1000 * ordered[int(0.99 * (len(ordered) - 1))],
        1000 * ordered[-1],
        1000 * elapsed / mails,
    )


def report(results: list[Measured], load: float) -> str:
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {platform.machine()}, a shared 2-core machine; 1-minute load "
        f"average {load:.1f} when the run started).",
        "",
        f"{results[0].mails} mails, each delivered by the delivery job's code (`deliver_one`: claim and "
        "commit, send, mark sent and commit) to a real SMTP server on a loopback port, one connection per "
        "mail. **Window**: from the server's 250 to the message's data (the mail is accepted) until "
        "`deliver_one` returns (QUIT, the row marked sent and committed): a worker killed inside it sends "
        "that mail once more after its lease (DESIGN.md, Mail). Per mail: the whole delivery, serially.",
        "",
        "| Backend | Mails | Window median | Window p99 | Window max | Per mail (whole delivery) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.mails} | {r.window_median_ms:.2f} ms | {r.window_p99_ms:.2f} ms "
            f"| {r.window_max_ms:.2f} ms | {r.per_mail_ms:.2f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 mails, SpatiaLite only, no writing")
    args = parser.parse_args()
    mails = 50 if args.quick else 500
    load = os.getloadavg()[0]
    results = []
    with scratch_databases(NAME, args.quick) as found:
        for backend, url in found:
            measured = measure(backend, url, mails)
            print(f"{backend}: window median {measured.window_median_ms:.2f} ms", flush=True)
            results.append(measured)
    text = report(results, load)
    publish(HEADING, text, write=not args.quick)


if __name__ == "__main__":
    main()
