"""Issue 16 benchmark: how few runs add1's certificates would need if every change were known.

The jumping add1 search (budgets/add1_jumping.py) loses runs in two ways: to guesses (a jump
that passes a change of outcome, or stops far short of one) and to certificates (a jump over
levels that all repeat the accepted purchases, which the certified run still cannot prove). This
benchmark takes guessing away. Stepping (the definition) gives every level's outcome; then each
stretch of consecutive levels with the same purchases is walked as a search that knew it: a plain
run at its first level, then from each accepted run the longest certified jump inside the stretch
that today's certificate proves (found by bisection, taking a range that fails as failing for
every longer one), or a plain run at the next level where no jump of two or more is proven.
Only the runs such a search keeps are counted, not the bisection's trials.

So "runs, perfect guesses" is the floor for today's certificates, and the gap to "levels" is
what better guesses alone could save. Files as arguments (names in ../shared/pabulib):

    .venv/bin/python -m bench.add1_guess_bench FILE...
"""

from __future__ import annotations

import argparse
import time
from fractions import Fraction

from bench.add1_oracle_bench import PABULIB
from budgets import read_pb
from budgets.add1 import add1_stepping
from budgets.add1_jumping import Accepted, certified_run, plain_run
from budgets.equal_shares import mes_problem
from budgets.mes_engine import MesProblem, run_mes
from budgets.mes_prefix import PrefixTrie

Stretch = tuple[Fraction, Fraction, int]  # first and last level with one purchase sequence, levels


def stretches(problem: MesProblem, voters: int, budget: int) -> list[Stretch]:
    """The levels stepping accepts, as stretches of consecutive levels with the same purchases."""
    seen: list[tuple[Fraction, tuple[int, ...]]] = []
    add1_stepping(problem, voters, budget, observe=lambda level, out: seen.append((level, tuple(out.bought))))
    found: list[tuple[Fraction, Fraction, int, tuple[int, ...]]] = []
    for level, bought in seen:
        if found and found[-1][3] == bought:
            found[-1] = (found[-1][0], level, found[-1][2] + 1, bought)
        else:
            found.append((level, level, 1, bought))
    return [(first, last, levels) for first, last, levels, _ in found]


class Walker:
    """Walks stretches as a search that knew them, counting the runs it keeps."""

    def __init__(self, problem: MesProblem, budget: int, start: Fraction) -> None:
        self.problem, self.budget = problem, budget
        self.trie = PrefixTrie(problem)
        first = run_mes(problem, start, trie=self.trie, keep_classes=True)
        self.floats = first.classes is not None  # float runs where they prove every decision, as the search

    def plain(self, level: Fraction) -> Accepted:
        return plain_run(self.problem, level, self.trie, self.budget, self.floats)

    def jump(self, lower: Accepted, reached: Fraction, level: Fraction) -> Accepted | None:
        """The certified run at `level` from the accepted one at `reached`, None when it fails."""
        trial, _ = certified_run(self.problem, lower, reached, level, self.trie, self.budget, 1)
        return trial if trial.certified else None

    def walk(self, first: Fraction, last: Fraction) -> int:
        """The runs a search that knew this stretch keeps, its first level's plain run included."""
        runs, level, accepted = 1, first, self.plain(first)
        while level < last:
            longest, proven = self._longest(accepted, level, last)
            if proven is None:
                level = Fraction(int(level) + 1)
                accepted = self.plain(level)
            else:
                level, accepted = longest, proven
            runs += 1
        return runs

    def _longest(
        self, accepted: Accepted, level: Fraction, last: Fraction
    ) -> tuple[Fraction, Accepted | None]:
        """The furthest level up to `last` (two steps or more away) a certified jump reaches, by bisection."""
        low, high = int(level) + 1, int(last)  # `low` is a plain run's step; jumps go past it
        best: tuple[Fraction, Accepted | None] = (level, None)
        while low < high:
            middle = (low + high + 1) // 2
            proven = self.jump(accepted, level, Fraction(middle))
            if proven is None:
                high = middle - 1
            else:
                best, low = (Fraction(middle), proven), middle
        return best


def measure(file: str) -> str:
    """One table row: the file, its levels and stretches, and the runs of a perfectly guessing search."""
    started = time.process_time()
    election = read_pb(str(PABULIB / file))
    problem = mes_problem(election)
    voters, budget = len(election.ballots), election.budget
    found = stretches(problem, voters, budget)
    walker = Walker(problem, budget, found[0][0])
    runs = sum(walker.walk(first, last) for first, last, _ in found)
    levels = sum(count for _, _, count in found)
    cpu = time.process_time() - started
    return f"| {file} | {levels:,} | {len(found):,} | {runs:,} | {cpu:.0f} s |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="file names in ../shared/pabulib")
    args = parser.parse_args()
    print("| File | Levels | Stretches | Runs, perfect guesses | Benchmark CPU |")
    print("|---|---:|---:|---:|---:|")
    for file in args.files:
        print(measure(file), flush=True)


if __name__ == "__main__":
    main()
