"""Allocation engine benchmark: budgets/ and pabutools 1.2.3 side by side on real Pabulib elections.

Every measurement runs in a fresh child process and includes reading the file; a child that
exceeds the time limit is killed. Our engine: the median of --runs runs. pabutools: the median of
up to --runs runs, fewer when one run already takes over a minute. Peak memory is the child's
maximum resident set size. Results go to the "Allocation engine (budgets/)" section of
docs/benchmarks.md.

    .venv/bin/python -m bench.budgets_bench [--runs 3] [--pabutools-timeout 300] [--skip-pabutools]
        [--only engine|issue16|add1-oracle]   (issue16: bench.equal_shares_bench, CPU time per
        file; add1-oracle: bench.add1_oracle_bench, the jumping add1 beside the stepping one)
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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench import add1_oracle_bench, equal_shares_bench
from bench.benchmarks_doc import replace_section

REPO = Path(__file__).resolve().parents[1]
PABULIB = Path(os.environ.get("PABULIB_DIR", REPO.parent / "shared" / "pabulib"))
HEADING = "## Allocation engine (budgets/)"
COMMAND = ".venv/bin/python -m bench.budgets_bench"
WARSZAWA = "Poland_Warszawa_2026.pb"
LODZ = "Poland_Lodz_2022.pb"
WIELICZKA = "Poland_Wieliczka_2023_Green_Budget.pb"
WROCLAW = "Poland_Wroclaw_2015_150_-_500.pb"


@dataclass(frozen=True)
class Case:
    """One comparison: a rule on a file, with the issue's target for our engine."""

    label: str
    file: str
    rule: str
    target: str
    jobs: int = 1
    memory: bool = False


CASES = (
    Case("greedy", WARSZAWA, "greedy", "< 1 s"),
    Case("greedy", LODZ, "greedy", "< 1 s"),
    Case("equalshares (pure MES)", WARSZAWA, "equalshares", "< 1 s"),
    Case("equalshares (pure MES)", LODZ, "equalshares", "< 1 s"),
    Case("equalshares/add1", WIELICZKA, "equalshares/add1", "< 2 s"),
    Case("equalshares/add1", WARSZAWA, "equalshares/add1", "< 15 s"),
    Case("equalshares/add1, 2 worker processes", WARSZAWA, "equalshares/add1", "< 15 s", jobs=2),
    Case("greedy, peak memory", WROCLAW, "greedy", "< 500 MB", memory=True),
)


def child(engine: str, rule: str, file: str, jobs: int) -> None:
    """Measure one run in this (fresh) process and print it as JSON."""
    path = str(PABULIB / file)
    started = time.perf_counter()
    if engine == "budgets":
        from budgets import allocate, read_pb

        election = read_pb(path)
        outcome = allocate(election, rule, jobs=jobs)
        selected, spent = len(outcome.selected), outcome.spent
    else:
        selected, spent = _pabutools(rule, path)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "selected": selected, "spent": spent}))


def _pabutools(rule: str, path: str) -> tuple[int, int]:
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import (
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = parse_pabulib(path)
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "equalshares":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    else:
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            exhaustive_stop=False,
            budget_step=profile.num_ballots(),
        )
    return len(outcome), int(sum(p.cost for p in outcome))


def measure(engine: str, case: Case, runs: int, timeout: float) -> list[dict[str, float]] | None:
    """Up to `runs` child runs; None when one did not finish within `timeout` seconds."""
    results: list[dict[str, float]] = []
    command = [
        sys.executable,
        "-m",
        "bench.budgets_bench",
        "--child",
        engine,
        case.rule,
        case.file,
        str(case.jobs),
    ]
    for _ in range(runs):
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=True
            )
        except subprocess.TimeoutExpired:
            return None
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        if engine == "pabutools" and results[-1]["seconds"] > 60:
            break
    return results


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def run(runs: int, timeout: float, with_pabutools: bool) -> str:
    load_before = os.getloadavg()
    rows = []
    for case in CASES:
        ours = measure("budgets", case, runs, timeout)
        theirs = measure("pabutools", case, runs, timeout) if with_pabutools and case.jobs == 1 else []
        assert ours is not None, f"our engine did not finish {case.label} on {case.file}"
        if case.memory:
            mine = statistics.median(r["peak_mb"] for r in ours)
            cell_ours = f"{mine:.0f} MB peak RSS"
            if theirs is None:
                cell_theirs, ratio = f"did not finish in {timeout / 60:.0f} min", "-"
            elif theirs:
                other = statistics.median(r["peak_mb"] for r in theirs)
                cell_theirs, ratio = f"{other:.0f} MB", f"{other / mine:.1f}x less memory"
            else:
                cell_theirs, ratio = "-", "-"
        else:
            mine = statistics.median(r["seconds"] for r in ours)
            cell_ours = f"{_seconds(mine)} (median of {len(ours)})"
            if theirs is None:
                cell_theirs, ratio = (
                    f"did not finish in {timeout / 60:.0f} min",
                    f"> {timeout / mine:.0f}x faster",
                )
            elif theirs:
                other = statistics.median(r["seconds"] for r in theirs)
                cell_theirs = f"{_seconds(other)} (median of {len(theirs)})"
                ratio = f"{other / mine:.1f}x faster"
            else:
                cell_theirs, ratio = "(same engine run, see above)" if case.jobs > 1 else "-", "-"
        detail = f"{int(ours[0]['selected'])} funded, {int(ours[0]['spent']):,} spent"
        cells = (case.label, case.file, case.target, cell_ours, cell_theirs, ratio, detail)
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    load_after = os.getloadavg()
    header = (
        f"Command: `{COMMAND}` (measured {date.today().isoformat()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load_before[0]:.1f} before and {load_after[0]:.1f} after; "
        "other engineers' test suites shared the machine, so times vary).\n\n"
        "Each figure includes starting a fresh process, reading and checking the .pb file and the rule. "
        "pabutools 1.2.3 runs the same rule (Cost_Sat utilities; add1 as exhaustion_by_budget_increase "
        "with budget_step = voters and exhaustive_stop=False) in its own process, killed after "
        f"{timeout / 60:.0f} min. The 2-worker add1 row forks two processes that compute successive "
        "per-voter budget levels in parallel (same outcome); library callers get one process by default.\n\n"
        "| Case | File | Target | budgets/ | pabutools 1.2.3 | Ratio | Our outcome |\n"
        "|---|---|---|---:|---:|---:|---|\n"
    )
    return header + "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pabutools-timeout", type=float, default=300.0)
    parser.add_argument("--skip-pabutools", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "RULE", "FILE", "JOBS"))
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument(
        "--only", choices=("engine", "issue16", "add1-oracle"), help="run one section (default: all)"
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="our engine's limit per issue-16 run")
    args = parser.parse_args()
    if args.child:
        engine, rule, file, jobs = args.child
        child(engine, rule, file, int(jobs))
        return
    sections = []
    if args.only in (None, "engine"):
        sections.append((HEADING, run(args.runs, args.pabutools_timeout, not args.skip_pabutools)))
    if args.only in (None, "issue16"):
        body = equal_shares_bench.run(args.timeout, args.pabutools_timeout, not args.skip_pabutools)
        sections.append((equal_shares_bench.HEADING, body))
    if args.only in (None, "add1-oracle"):
        sections.append((add1_oracle_bench.HEADING, add1_oracle_bench.run(args.timeout)))
    for heading, body in sections:
        if not args.no_write:
            replace_section(REPO / "docs" / "benchmarks.md", heading, body)
            print(f"wrote {heading!r} in docs/benchmarks.md")


if __name__ == "__main__":
    main()
