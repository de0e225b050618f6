"""What the plain-words figures add to a tally: the rule alone vs its figures (20,000 ballots x 100).

`explanations.tally_figures` (issue 19) reads every voter's payments from the Allocation (the engine
replays them on first use) and counts supporters and their money left, inside the tally's write
transaction. This measures it beside the rule it follows, in process, without a database.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import cast

from app.services.rounds import engine
from app.services.rounds.candidates import Candidate
from app.services.rounds.explanations import tally_figures
from bench.benchmarks_doc import replace_section
from budgets.allocation import Allocation

HEADING = "## Results in plain words: the tally's extra figures (issue 19)"
COMMAND = ".venv/bin/python -m bench.explanations_bench --write"
CANDIDATES = 100
RULE = "equalshares/add1"


def election_inputs(ballots: int, seed: int = 5) -> tuple[list[Candidate], list[dict[int, int]], int]:
    """As the rounds benchmark: 1-8 popularity-skewed approvals each, costs 20-300 EUR, 10,000 EUR in all."""
    rng = random.Random(seed)
    candidates = [
        Candidate(i, f"Problem {i}", rng.randint(20, 300) * 1000, CANDIDATES - i, i, 0.0, 0.0, "open")
        for i in range(1, CANDIDATES + 1)
    ]
    popularity = [1.0 / (1 + n) ** 0.7 for n in range(CANDIDATES)]
    ids = [c.issue_id for c in candidates]
    votes = [
        dict.fromkeys(sorted(set(rng.choices(ids, weights=popularity, k=rng.randint(1, 8)))), 1)
        for _ in range(ballots)
    ]
    return candidates, votes, 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="write the section of docs/benchmarks.md")
    args = parser.parse_args()
    candidates, votes, budget = election_inputs(args.ballots)
    election = engine.build_election("approval", candidates, votes, budget)
    wall: dict[str, list[float]] = {"rule": [], "figures": [], "replay": []}
    cpu: dict[str, list[float]] = {"rule": [], "figures": [], "replay": []}

    def timed(name: str, work: Callable[[], object]) -> object:
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        result = work()
        wall[name].append(time.perf_counter() - wall_start)
        cpu[name].append(time.process_time() - cpu_start)
        return result

    for _ in range(args.repeats):
        allocation = cast(Allocation, timed("rule", lambda: engine.allocate(RULE, election)))
        timed("replay", partial(dict, allocation.payments))  # the engine's payments, on first use
        timed("figures", partial(tally_figures, allocation, votes, "approval"))

    def med(times: dict[str, list[float]], name: str) -> float:
        return statistics.median(times[name])

    rows = []
    for label, times in (("CPU (this process)", cpu), ("Wall clock", wall)):
        rule, replay, figures = med(times, "rule"), med(times, "replay"), med(times, "figures")
        rows.append(
            f"| {label} | {args.ballots:,} | {rule:.2f} s | {replay:.2f} s | {figures:.2f} s "
            f"| {(replay + figures) / rule:.2f} |"
        )
    text = "\n".join(
        [
            f"Command: `{COMMAND}` (measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
            f"{platform.python_version()}, {platform.machine()}; a shared 2-core machine under load, so "
            f"CPU time is the steadier figure; medians of {args.repeats}).",
            "",
            f"{args.ballots:,} approval ballots (1-8 popularity-skewed approvals each) over {CANDIDATES} "
            f"candidates, rule {RULE}, in process, no database. The tally runs the rule, then "
            "`tally_figures` once: the engine's replay of every voter's payments (on first use), then one "
            "pass over the ballots counting supporters, payers and money left per candidate.",
            "",
            "| Time | Ballots | Rule | Payments replay | Figures pass | (Replay + figures) / rule |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(text)
    if args.write:
        replace_section(Path("docs/benchmarks.md"), HEADING, text)


if __name__ == "__main__":
    main()
