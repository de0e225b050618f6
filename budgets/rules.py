"""The rule registry: rule names, and `allocate` that runs one by name on an election."""

from __future__ import annotations

from collections.abc import Callable

from budgets.add1 import Progress
from budgets.allocation import Allocation
from budgets.election import Election
from budgets.equal_shares import (
    equal_shares,
    equal_shares_add1,
    equal_shares_add1_comparison,
    equal_shares_add1_greedy,
)
from budgets.equal_shares_net import VARIANTS, net_rule
from budgets.exact_equal_shares import RULES as EES_RULES
from budgets.exact_equal_shares import ees_rule
from budgets.greedy import greedy, greedy_no_skip, greedy_threshold
from budgets.knapsack import utilitarian_optimum
from budgets.phragmen import phragmen

RULES: tuple[str, ...] = (
    "greedy",
    "greedy-no-skip",
    "greedy-threshold",
    "utilitarian-optimum",
    "equalshares",
    "equalshares/add1",
    "equalshares/add1-comparison",
    "equalshares/add1/greedy",
    "equalshares/add1e",
    "equalshares/add1u",
    "equalshares/add1eu",
    "equalshares-cardinality",
    "exactequalshares/addopt",
    "exactequalshares/addoptskip",
    "phragmen",
)

_SIMPLE: dict[str, Callable[[Election], Allocation]] = {
    "greedy": greedy,
    "greedy-no-skip": greedy_no_skip,
    "greedy-threshold": greedy_threshold,
    "utilitarian-optimum": utilitarian_optimum,
    "equalshares": equal_shares,
    "equalshares-cardinality": lambda election: equal_shares(election, cardinality=True),
    "phragmen": phragmen,
}

_COMPLETED: dict[str, Callable[[Election, Progress | None, int, int], Allocation]] = {
    "equalshares/add1": equal_shares_add1,
    "equalshares/add1-comparison": equal_shares_add1_comparison,
    "equalshares/add1/greedy": equal_shares_add1_greedy,
    **{name: net_rule(name) for name in VARIANTS},
    **{name: ees_rule(name) for name in EES_RULES},
}


class UnknownRuleError(ValueError):
    """A rule name that is not in RULES; the message lists the valid ones."""

    def __init__(self, rule: str) -> None:
        super().__init__(f"unknown rule {rule!r}; valid rules: {', '.join(RULES)}")
        self.rule = rule


def allocate(
    election: Election,
    rule: str | None = None,
    *,
    progress: Progress | None = None,
    jobs: int = 1,
    add1_step: int = 1,
) -> Allocation:
    """Run a rule by name (default: the election's META rule) and return the explained Allocation.

    `progress(step, per_voter_budget)` is called at each add1 step or add-opt run; `jobs` > 1 lets
    add1 compute budget levels in forked worker processes (same result). `add1_step` is add1's raise
    per voter in money units (1 as in Pabulib; 100 for budgets in cents raises one currency unit per
    step).
    """
    name = rule if rule is not None else election.rule
    if name is None:
        raise UnknownRuleError("(none given and the election names none)")
    if name in _SIMPLE:
        return _SIMPLE[name](election)
    if name in _COMPLETED:
        return _COMPLETED[name](election, progress, jobs, add1_step)
    raise UnknownRuleError(name)
