"""The completions of equalshares.net's compute tool by name: add1e, add1u and add1eu.

The tool starts add1 at floor(budget / voters) per voter (its "integral" option, on by default)
and skips it when all projects together fit the budget. "e" stops the search at the first
exhaustive outcome (no unfunded project fits what is left); "u" then completes the outcome
greedily by vote count (the tool's utilitarian completion: most supporters first, ties in
project order). Pabulib's "equalshares/add1" is the tool's add1 apart from its start: it first
runs at budget / voters.
"""

from __future__ import annotations

from collections.abc import Callable

from budgets.add1 import Add1Options, Progress
from budgets.allocation import Allocation
from budgets.election import Election
from budgets.equal_shares import add1_outcome, explain_mes, greedy_fill, mes_problem

VARIANTS: dict[str, tuple[Add1Options, bool]] = {
    "equalshares/add1e": (Add1Options(integral_start=True, exhaustive_stop=True), False),
    "equalshares/add1u": (Add1Options(integral_start=True), True),
    "equalshares/add1eu": (Add1Options(integral_start=True, exhaustive_stop=True), True),
}


def equal_shares_net(
    election: Election, rule: str, progress: Progress | None = None, jobs: int = 1, step: int = 1
) -> Allocation:
    """Run one of VARIANTS: MES with the tool's add1 search, then its utilitarian completion if named."""
    options, utilitarian = VARIANTS[rule]
    problem = mes_problem(election)
    found = add1_outcome(election, problem, progress, jobs, step, options)
    mes = explain_mes(election, problem, found.outcome, found.per_voter, rule, (found.note,))
    return greedy_fill(election, mes, rule) if utilitarian else mes


def net_rule(rule: str) -> Callable[[Election, Progress | None, int, int], Allocation]:
    """The rule function for one variant name, in the shape budgets.rules registers completions."""

    def run(election: Election, progress: Progress | None, jobs: int, step: int) -> Allocation:
        return equal_shares_net(election, rule, progress, jobs, step)

    return run
