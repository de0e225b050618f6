"""Issue 16 benchmark: the jumping add1 search beside the stepping one (its oracle) on every shared file.

For each file a fresh child process runs `add1_stepping` (one MES run per per-voter level, the
Pabulib definition) and counts the levels it accepts and the stretches of consecutive levels with
one purchase sequence (and with one funded set); another child runs `add1_jumping`. The row says whether
both end with the same purchases, per-voter budget and note, the MES runs each made and their
CPU time (the search only; reading the file is left out). A child over its time limit is killed.
This is the comparison for the files on which stepping is too slow for the test suite
(tests/budgets/test_add1_jumping.py runs the others). Results go to docs/benchmarks.md.

    .venv/bin/python -m bench.add1_oracle_bench [--timeout 900] [--no-write]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

from bench.benchmarks_doc import replace_section

REPO = Path(__file__).resolve().parents[1]
PABULIB = Path(os.environ.get("PABULIB_DIR", REPO.parent / "shared" / "pabulib"))
HEADING = "## Equal Shares add1: the jumping search beside the stepping oracle (issue 16)"
COMMAND = ".venv/bin/python -m bench.add1_oracle_bench"


@dataclass(frozen=True)
class Search:
    """One child's search: its result's fingerprint, MES runs, CPU time and what stepping saw."""

    fingerprint: str = ""
    runs: int = 0
    cpu: float = 0.0
    levels: int = 0
    sequences: int = 0
    sets: int = 0
    failed: str = ""


def child(mode: str, file: str) -> None:
    """Run one search on one file in this (fresh) process and print it as JSON."""
    from budgets import read_pb
    from budgets.add1 import add1_stepping
    from budgets.add1_jumping import add1_jumping
    from budgets.equal_shares import mes_problem
    from budgets.mes_engine import MesOutcome

    election = read_pb(str(PABULIB / file))
    problem = mes_problem(election)
    voters, budget = len(election.ballots), election.budget
    seen: list[tuple[int, ...]] = []

    def observe(per_voter: Fraction, outcome: MesOutcome) -> None:
        seen.append(tuple(outcome.bought))

    started = time.process_time()
    if mode == "step":
        found = add1_stepping(problem, voters, budget, observe=observe)
    else:
        found = add1_jumping(problem, voters, budget)
    cpu = time.process_time() - started
    changes = sum(1 for before, after in pairwise(seen) if before != after)
    set_changes = sum(1 for before, after in pairwise(seen) if set(before) != set(after))
    fingerprint = json.dumps([found.outcome.bought, str(found.per_voter), found.note])
    print(
        json.dumps(
            {
                "fingerprint": fingerprint,
                "runs": found.runs,
                "cpu": cpu,
                "levels": len(seen),
                "sequences": changes + 1 if seen else 0,
                "sets": set_changes + 1 if seen else 0,
            }
        )
    )


def measure(mode: str, file: str, timeout: float) -> Search:
    command = [sys.executable, "-m", "bench.add1_oracle_bench", "--child", mode, file]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=True)
    except subprocess.TimeoutExpired:
        return Search(failed=f"did not finish in {timeout:.0f} s")
    except subprocess.CalledProcessError as error:
        return Search(failed=f"failed: {error.stderr.strip().splitlines()[-1][:80]}")
    return Search(**json.loads(done.stdout.strip().splitlines()[-1]))


def _row(file: str, stepping: Search, jumping: Search) -> str:
    if stepping.failed:
        same = "oracle " + stepping.failed
        seen = ("-", "-", "-", "-", stepping.failed)
    else:
        same = "yes" if stepping.fingerprint == jumping.fingerprint else "**no**"
        seen = (
            str(stepping.levels),
            str(stepping.sequences),
            str(stepping.sets),
            str(stepping.runs),
            f"{stepping.cpu:.2f} s",
        )
    jump = (jumping.failed, "-") if jumping.failed else (str(jumping.runs), f"{jumping.cpu:.2f} s")
    return "| " + " | ".join((file, *seen, *jump, same)) + " |"


def run(timeout: float) -> str:
    """Both searches on every shared file; returns the Markdown section body."""
    load_before = os.getloadavg()
    rows = []
    for file in sorted(path.name for path in PABULIB.glob("*.pb")):
        jumping = measure("jump", file, timeout)
        stepping = measure("step", file, timeout)
        rows.append(_row(file, stepping, jumping))
        print(rows[-1], flush=True)
    load_after = os.getloadavg()
    return (
        f"Command: `{COMMAND} --timeout {timeout:.0f}` (measured {date.today().isoformat()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{load_before[0]:.1f} before and {load_after[0]:.1f} after; a shared machine).\n\n"
        "Pabulib's add1 (`equalshares/add1`) searched two ways, each in a fresh process, CPU "
        "time of the search alone (reading the file excluded), killed after the wall-clock limit. "
        "Stepping runs MES at every level (the definition, kept as the oracle); the columns after "
        "it count the levels it accepted and the stretches of consecutive levels that share one "
        "purchase sequence (one funded set): a search that reruns MES only where the outcome "
        "changes still needs a run per stretch. "
        '"Same" compares the purchases, the per-voter budget reached and the note.\n\n'
        "| File | Levels accepted | Stretches, same sequence | Stretches, same funded set "
        "| Stepping MES runs | Stepping CPU | Jumping MES runs | Jumping CPU | Same |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|\n" + "\n".join(rows) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900.0, help="limit per search and file, seconds")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    body = run(args.timeout)
    if not args.no_write:
        replace_section(REPO / "docs" / "benchmarks.md", HEADING, body)
        print(f"wrote {HEADING!r} in docs/benchmarks.md")


if __name__ == "__main__":
    main()
