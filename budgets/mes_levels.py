"""Runs of MES at successive whole per-voter budgets for add1, in this process or in worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from fractions import Fraction
from multiprocessing.pool import Pool
from types import TracebackType

from budgets.mes_engine import MesOutcome, MesProblem, run_mes
from budgets.mes_prefix import PrefixTrie

# Set before forking so workers inherit the (large) problem instead of receiving a pickled copy.
_SHARED: tuple[MesProblem, int] | None = None


def _run_level(level: int) -> MesOutcome:
    assert _SHARED is not None
    problem, limit = _SHARED
    return run_mes(problem, Fraction(level), cost_limit=limit)


class LevelRunner:
    """Yields MES outcomes for levels L, L+1, ... in order; `jobs` > 1 computes a batch in parallel.

    Workers are forked (POSIX only) and inherit the problem; on platforms without fork, or with
    jobs == 1, every level runs in this process.
    """

    def __init__(self, problem: MesProblem, cost_limit: int, jobs: int = 1) -> None:
        self.problem = problem
        self.cost_limit = cost_limit
        self.jobs = jobs if "fork" in multiprocessing.get_all_start_methods() else 1
        self.pool: Pool | None = None
        # In this process the runs share the voter classes of their common purchases.
        self.trie = PrefixTrie(problem)

    def __enter__(self) -> LevelRunner:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def next_levels(self, first: int, step: int = 1) -> Iterator[MesOutcome]:
        """Outcomes for first, first + step, ... (a batch at a time; the caller stops when it likes)."""
        if self.jobs <= 1:
            yield run_mes(self.problem, Fraction(first), cost_limit=self.cost_limit, trie=self.trie)
            return
        if self.pool is None:
            global _SHARED
            _SHARED = (self.problem, self.cost_limit)
            self.pool = multiprocessing.get_context("fork").Pool(self.jobs)
        levels = [first + i * step for i in range(2 * self.jobs)]
        yield from self.pool.map(_run_level, levels, chunksize=1)
