"""Issue 16 benchmark: Equal Shares add1 completion, CPU time per file, beside pabutools 1.2.3.

Every measurement runs in a fresh child process, includes reading the file, and reports the
child's CPU time (user + system) and peak resident memory; a child over its time limit is
killed. Called by bench.budgets_bench (so by `make bench`); results go to the issue 16 section
of docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PABULIB = Path(os.environ.get("PABULIB_DIR", REPO.parent / "shared" / "pabulib"))
HEADING = "## Allocation engine: Equal Shares completions (issue 16)"
WARSZAWA = "Poland_Warszawa_2026.pb"
WROCLAW = "Poland_Wroclaw_2015_150_-_500.pb"


@dataclass(frozen=True)
class Result:
    """One child's measurement, or why there is none."""

    cpu: float = 0.0
    peak_mb: float = 0.0
    selected: int = 0
    spent: int = 0
    levels: int = 0
    failed: str = ""


def child(engine: str, rule: str, file: str) -> None:
    """Measure one run in this (fresh) process and print it as JSON."""
    path = str(PABULIB / file)
    started = time.process_time()
    levels = 0
    if engine == "budgets":
        from budgets import allocate, read_pb

        def count(step: int, level: int) -> None:
            nonlocal levels
            levels += 1

        outcome = allocate(read_pb(path), rule, progress=count)
        selected, spent = len(outcome.selected), outcome.spent
    else:
        from bench.budgets_bench import _pabutools

        selected, spent = _pabutools(rule, path)
    cpu = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "peak_mb": peak, "selected": selected, "spent": spent, "levels": levels}))


def measure(engine: str, rule: str, file: str, timeout: float) -> Result:
    command = [sys.executable, "-m", "bench.equal_shares_bench", engine, rule, file]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO, check=True)
    except subprocess.TimeoutExpired:
        return Result(failed=f"did not finish in {timeout:.0f} s")
    except subprocess.CalledProcessError as error:
        return Result(failed=f"failed: {error.stderr.strip().splitlines()[-1][:80]}")
    return Result(**json.loads(done.stdout.strip().splitlines()[-1]))


def _cell(result: Result) -> str:
    return result.failed or f"{result.cpu:.2f} s"


def run(timeout: float, pabutools_timeout: float, with_pabutools: bool) -> str:
    """Measure every case and return the Markdown section body."""
    load_before = os.getloadavg()
    rows = []
    files = sorted(path.name for path in PABULIB.glob("*.pb"))
    for file in files:
        ours = measure("budgets", "equalshares/add1", file, timeout)
        theirs = measure("pabutools", "equalshares/add1", file, pabutools_timeout) if with_pabutools else None
        target = "< 1.5 s" if file == WARSZAWA else "< 2 s"
        met = "" if ours.failed else ("met" if ours.cpu < (1.5 if file == WARSZAWA else 2.0) else "missed")
        outcome = (
            "" if ours.failed else f"{ours.selected} funded, {ours.spent:,} spent, {ours.levels + 1} MES runs"
        )
        cells = (file, target, _cell(ours), met, "-" if theirs is None else _cell(theirs), outcome)
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    memory = measure("budgets", "equalshares/add1", WROCLAW, timeout)
    peak = memory.failed or f"{memory.peak_mb:.0f} MB"
    memory_row = f"| equalshares/add1, peak memory | {WROCLAW} | < 300 MB | {peak} |"
    print(memory_row, flush=True)
    load_after = os.getloadavg()
    return (
        "Command: `.venv/bin/python -m bench.budgets_bench --only issue16 "
        f"--pabutools-timeout {pabutools_timeout:.0f} --timeout {timeout:.0f}` "
        f"(measured {date.today().isoformat()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} cores, load average {load_before[0]:.1f} "
        f"before and {load_after[0]:.1f} after; other engineers' test suites shared the machine).\n\n"
        "CPU time of one fresh single-process run, reading the file included: our "
        "`equalshares/add1` (the jumping search) and pabutools 1.2.3's "
        "exhaustion_by_budget_increase over method_of_equal_shares (Cost_Sat, budget_step = voters), "
        f'killed after {pabutools_timeout:.0f} s. "MES runs" counts the runs of MES the search made '
        "(stepping makes one per level; one more when the search ends on a certified jump). "
        "exactequalshares/addopt is not built yet, so it has no row.\n\n"
        "| File | Target | budgets/ CPU | Target met | pabutools CPU | Our outcome |\n"
        "|---|---|---:|---|---:|---|\n" + "\n".join(rows) + "\n\n"
        "| Case | File | Target | budgets/ |\n|---|---|---|---:|\n" + memory_row + "\n"
    )


if __name__ == "__main__":
    child(*sys.argv[1:4])
