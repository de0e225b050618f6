"""What each step of Exact Equal Shares' add-opt completion changes, on one Pabulib file.

`.venv/bin/python -m bench.ees_steps FILE` walks add-opt as budgets.exact_equal_shares.add_opt does
(one resumed EES run per change point, up to the first outcome over the budget) and counts, per
step: whether the set of funded projects changed, whether the order of purchases did (or only how
many voters paid), from which round the run differs, and whether spending fell; and over the walk,
how many rounds the sweep ran in full and how many it replayed from the run before. It answers
whether a completion could skip steps: docs/benchmarks.md ("Exact Equal Shares: what a step
changes").
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field
from fractions import Fraction

from bench.equal_shares_bench import PABULIB, WARSZAWA
from budgets import read_pb
from budgets.ees_engine import EesOutcome, EesSweep, SupporterArrays
from budgets.exact_equal_shares import ees_problem


@dataclass
class StepKinds:
    steps: int = 0
    set_changed: int = 0
    order_kept: int = 0
    spending_fell: int = 0
    first_changed_round: list[int] = field(default_factory=list)
    rounds: list[int] = field(default_factory=list)
    rounds_run: int = 0
    rounds_replayed: int = 0

    def count(self, before: EesOutcome, after: EesOutcome) -> None:
        old = [(p, before.payers[p]) for p in before.bought]
        new = [(p, after.payers[p]) for p in after.bought]
        differ = (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b)
        first = next(differ, min(len(old), len(new)))
        self.steps += 1
        self.set_changed += set(before.bought) != set(after.bought)
        self.order_kept += before.bought == after.bought
        self.spending_fell += after.spent < before.spent
        self.first_changed_round.append(first + 1)
        self.rounds.append(len(new))


def walk(path: str) -> StepKinds:
    """add-opt's steps on the file, counted (the completion's loop, without its explanation)."""
    election = read_pb(path)
    problem = ees_problem(election)
    per_voter = Fraction(election.budget, max(len(election.ballots), 1))
    sweep = EesSweep(problem, SupporterArrays.of(problem))
    sweep.advance(per_voter)
    before, kinds = sweep.outcome(), StepKinds()
    while (step := sweep.change()) is not None:
        sweep.advance(per_voter + step, election.budget)
        if sweep.over_limit or sweep.spent > election.budget:
            break
        per_voter += step
        after = sweep.outcome()
        kinds.count(before, after)
        before = after
    kinds.rounds_run, kinds.rounds_replayed = sweep.rounds_run, sweep.rounds_replayed
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=WARSZAWA, help="a file in ../shared/pabulib")
    kinds = walk(str(PABULIB / parser.parse_args().file))
    print(f"add-opt steps within the budget: {kinds.steps:,}")
    print(f"  the set of funded projects changed: {kinds.set_changed:,}")
    print(f"  the order of purchases stayed the same (only how many paid changed): {kinds.order_kept:,}")
    print(f"  spending fell: {kinds.spending_fell:,}")
    print(f"  rounds per run: median {statistics.median(kinds.rounds):g}, most {max(kinds.rounds)}")
    print(f"  first changed round: median {statistics.median(kinds.first_changed_round):g}")
    print(f"rounds run in full: {kinds.rounds_run:,}")
    print(f"rounds replayed from the run before: {kinds.rounds_replayed:,}")


if __name__ == "__main__":
    main()
