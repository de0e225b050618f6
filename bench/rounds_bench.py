"""Pooled funding rounds benchmark (issues 5 and 19): a round with 20,000 ballots and 100 candidates
tallied with Equal Shares + add1 (database -> provisional result), then certified by an official
(certification -> posted allocation), and the results page's render time.

    .venv/bin/python -m bench.rounds_bench                 # SpatiaLite and PostGIS; writes docs/benchmarks.md
    .venv/bin/python -m bench.rounds_bench --quick         # 2,000 ballots, SpatiaLite only, no writing

Each backend gets a fresh database (migrations, the test city, 20,000 members with deterministic random
approval ballots over 100 costed issues, 200 confirmed pledges). The tally is the background-job path
(claim, read ballots, run the rule, record the provisional result) timed from the claim to the commit;
the certification is certification.certify (the conditional UPDATE, the ledger's balance check, the
allocation posting, the funded issues moved to planned with their followers' events, the rollover,
the audit) timed from the call to the commit; once each per fresh round. The results page is
GET /rounds/<id>/results through the Flask test client, median of 30. Targets (tally < 10 s,
certification to posted allocation < 10 s, page < 200 ms) are reported, not asserted.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import flask_migrate
from sqlalchemy import insert, select, update

from app import create_app
from app.extensions import db
from app.models import Issue, Membership, Round, RoundBallot, User
from app.models.timestamps import utcnow
from app.services.funding import groups, pledges
from app.services.funding.payments import TestProvider
from app.services.issues import places
from app.services.rounds import certification
from app.services.rounds import jobs as tally_jobs
from app.services.rounds import lifecycle as rounds
from app.tally_runner import run_job
from bench.benchmarks_doc import publish
from bench.databases import SECRET_KEY
from bench.scratch_databases import scratch_databases
from config import ProductionConfig
from tests import factories
from tests.testcity import city_areas

HEADING = "## Pooled funding rounds (issue 5)"  # the section also carries issue 19's certification
COMMAND = ".venv/bin/python -m bench.rounds_bench"
CANDIDATES = 100
PLEDGERS = 200


@dataclass
class Measured:
    backend: str
    ballots: int
    tally_s: float
    certify_s: float
    funded: int
    spent: int
    budget: int
    page_ms: float


NAME = "rounds_bench"  # its scratch databases


def bench_app(url: str):  # type: ignore[no-untyped-def]
    return create_app(
        ProductionConfig,
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False},
    )


def build(url: str, ballots: int, seed: int = 5) -> tuple[int, int]:
    """Schema, city, group with `ballots` members and ballots, 100 costed issues; returns (round, admin)."""
    rng = random.Random(seed)
    app = bench_app(url)
    with app.app_context():
        flask_migrate.upgrade()
        session = db.session()
        places.ensure_reference_data(session)
        places.import_areas(session, city_areas())
        group = groups.create_group(session, None, groups.area_id_by_name(session, "Old Town"), "Bench group")
        pool_id = groups.get_group_row(session, group.id).pool_id
        admin = factories.new_user(session, email="admin@bench.example.org", role="admin")
        factories.new_user(session, email="official@bench.example.org", role="official")
        hashed = factories.password_hash(factories.DEFAULT_PASSWORD)
        now = utcnow()
        users = [
            {
                "email": f"m{n}@bench.example.org",
                "display_name": f"M{n}",
                "password_hash": hashed,
                "role": "resident",
                "is_blocked": False,
                "created_at": now,
                "email_confirmed_at": now,
            }
            for n in range(ballots)
        ]
        session.execute(insert(User), users)
        ids = list(
            session.scalars(select(User.id).where(User.email.like("m%@bench.example.org")).order_by(User.id))
        )
        session.execute(
            insert(Membership),
            [{"group_id": group.id, "user_id": i, "is_admin": False, "joined_at": now} for i in ids],
        )
        for n, user_id in enumerate(ids[:PLEDGERS]):
            pledges.pledge(session, session.get(User, user_id), pool_id, 5000, f"b{n}", TestProvider())
        reporter = session.get(User, ids[0])
        issue_ids = []
        for n in range(CANDIDATES):
            issue = factories.new_issue(session, reporter, title=f"Bench problem {n}")
            issue_ids.append(issue.id)
            session.execute(
                update(Issue)
                .where(Issue.id == issue.id)
                .values(cost_estimate_cents=rng.randint(20, 300) * 1000, likes_count=CANDIDATES - n)
            )
        terms = {
            "group_id": group.id,
            "name": "Bench round",
            "ballot": "approval",
            "rule": "equalshares/add1",
            "top_n": CANDIDATES,
            "leftover": "rollover",
        }
        created = rounds.create_round(session, admin, terms)
        rounds.advance(session, admin, created.id, "pledging")
        rounds.advance(session, admin, created.id, "voting")
        popularity = [1.0 / (1 + n) ** 0.7 for n in range(CANDIDATES)]
        rows = []
        for user_id in ids:
            picks = set(rng.choices(issue_ids, weights=popularity, k=rng.randint(1, 8)))
            rows.append(
                {
                    "round_id": created.id,
                    "user_id": user_id,
                    "choices": {str(i): 1 for i in sorted(picks)},
                    "created_at": now,
                    "updated_at": now,
                }
            )
        for start in range(0, len(rows), 5000):
            session.execute(insert(RoundBallot), rows[start : start + 5000])
        round_id, admin_id = created.id, admin.id
        session.commit()
        db.session.remove()
        db.engine.dispose()
    return round_id, admin_id


def measure(backend: str, url: str, ballots: int) -> Measured:
    round_id, admin_id = build(url, ballots)
    app = bench_app(url)
    with app.app_context():
        session = db.session()
        started = time.perf_counter()
        job = tally_jobs.start_job(session, session.get(User, admin_id), round_id)
        session.commit()
        summary = run_job(session, job.id, int(app.config["TALLY_LEASE_SECONDS"]))
        tally_s = time.perf_counter() - started
        assert summary is not None, tally_jobs.get_job(session, job.id).error
        session.commit()
        official = session.scalars(select(User).where(User.email == "official@bench.example.org")).one()
        session.commit()  # end the read: certification's first statement is its write
        started = time.perf_counter()
        certification.certify(session, official, round_id)
        session.commit()
        certify_s = time.perf_counter() - started
        found = session.get(Round, round_id)
        assert found.result_status == "certified"
        funded, spent, budget = len(summary.funded), int(found.spent_cents or 0), int(found.budget_cents or 0)
        db.session.remove()
    client = app.test_client()
    timings = []
    for _ in range(32):
        started = time.perf_counter()
        response = client.get(f"/rounds/{round_id}/results")
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    with app.app_context():
        db.engine.dispose()
    page_ms = 1000 * statistics.median(timings[2:])
    return Measured(backend, ballots, tally_s, certify_s, funded, spent, budget, page_ms)


def report(results: list[Measured]) -> str:
    lines = [
        f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}, "
        f"{platform.machine()}).",
        "",
        f"A round of one group with {results[0].ballots:,} members' approval ballots (1-8 approvals each, "
        f"popularity-skewed, deterministic) over {CANDIDATES} costed candidates, rule equalshares/add1. "
        "Tally: end to end through the background-job path, from the atomic claim to the committed "
        "provisional result (reading ballots, the rule, the candidates' outcomes). Certification: an "
        "official's certify, from the call to the committed allocation (the balance check, the ledger "
        "postings, the funded issues moved to planned with their followers' events, the rollover, the "
        "audit). One run of each per fresh round. Results page: GET /rounds/<id>/results in process, "
        "median of 30.",
        "",
        "| Backend | Ballots | Tally (target < 10 s) | Certification to posted allocation (target < 10 s) "
        "| Funded | Spent / budget (cents) | Results page (target < 200 ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.backend} | {r.ballots:,} | {r.tally_s:.2f} s | {r.certify_s:.3f} s | {r.funded} "
            f"| {r.spent:,} / {r.budget:,} | {r.page_ms:.1f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 ballots, SpatiaLite only, no writing")
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --quick")
    args = parser.parse_args()
    ballots = 2000 if args.quick else 20_000
    results = []
    with scratch_databases(NAME, args.quick) as found:
        for backend, url in found:
            print(f"{backend}: building {ballots:,} ballots ...", flush=True)
            measured = measure(backend, url, ballots)
            print(
                f"  tally {measured.tally_s:.2f} s, certification {measured.certify_s:.3f} s, "
                f"{measured.funded} funded, "
                f"results page {measured.page_ms:.1f} ms"
            )
            results.append(measured)
    text = report(results)
    publish(HEADING, text, write=not args.quick or args.write)


if __name__ == "__main__":
    main()
