"""Commonfix allocation engine: exact, explained participatory-budgeting rules and Pabulib `.pb` I/O.

Python's standard library, plus numpy where a benchmark shows it pays (voter classes and float runs of
the Equal Shares engines; see DESIGN.md); it imports nothing from the web or database layers. Money is
integer minor units (cents for the web app, whole currency units in Pabulib files); every decision
is exact (integers and `fractions.Fraction`).

Public API
----------
Elections (plain values, validated on construction; `ElectionError` says what is wrong)::

    Project(project_id: str, cost: int, fields: Mapping[str, str] = {})
    Ballot(projects: tuple[str, ...], points: tuple[int, ...] | None = None,
           voter_id: str = "", fields: Mapping[str, str] = {})
    Election(projects: tuple[Project, ...], ballots: tuple[Ballot, ...], budget: int,
             vote_type: str = "approval", meta: Mapping[str, str] = {})

`vote_type` is one of VOTE_TYPES: "approval" (k-approval: set meta max_length; knapsack ballots:
approval sets within meta max_sum_cost), "choose-1", "ordinal" (Borda: the last ranked project
gets 1 point, the first gets the ballot length), "cumulative" and "scoring" (points aligned with
projects). `meta` carries the other Pabulib META keys, e.g. "rule" or
"min_project_score_threshold".

Rules::

    RULES: tuple[str, ...]          # greedy, greedy-no-skip, greedy-threshold, utilitarian-optimum,
                                    # equalshares, equalshares/add1, equalshares/add1-comparison,
                                    # equalshares/add1/greedy, equalshares/add1e, equalshares/add1u,
                                    # equalshares/add1eu (equalshares.net's completions),
                                    # equalshares-cardinality, phragmen
    allocate(election, rule=None, *, progress=None, jobs=1, add1_step=1) -> Allocation
        # rule None: the election's META rule; unknown names raise UnknownRuleError (lists RULES).
        # progress(step, per_voter_budget) follows add1, which jumps over levels it proves
        # unchanged; jobs > 1 instead steps level by level in forked workers (same outcome);
        # add1_step is add1's raise per voter (1 unit as in Pabulib; 100 for budgets in cents
        # raises one currency unit per step, which keeps the number of steps small).

    Allocation: rule, budget, selected (ids in the order bought), spent, left,
                explanations {project_id: Explanation}, notes, to_dict(),
                payments {voter: {project_id: Fraction}} (Equal Shares rules: what each voter paid)
    Explanation: project_id, funded, cost, reason (text), score, position, round,
                 rho (MES price per unit of satisfaction), load (Phragmén), left, to_dict()

    quadratic_funding(contributions: Mapping[str, Sequence[int]], pool: int, *, cap=None) -> MatchResult
        # matches in cents summing exactly to the pool (largest remainders); `cap` (cents) caps every
        # project alike, or is a mapping of each capped project's own cap

Tie-breaking: greedy rules keep the election's project order among equal scores (as Pabulib
files and pabulib-checker do); Equal Shares and Phragmén prefer the lower cost, then more
supporters, then the earlier listed project (the pabutools/Pabulib reference).

Files::

    read_pb(path) -> Election          # PabulibError prints as "FILE:LINE: reason"
    parse_pb(text, source) -> Election
    write_pb(election, path, *, selected=None, allocation=None) -> None
    dumps_pb(election, *, selected=None, allocation=None) -> str

Command line: `python -m budgets allocate FILE.pb [--rule RULE] [--format text|json]` and
`python -m budgets check FILE.pb` (exit 0 same, 1 different, 2 malformed input).
"""

import os

# The engine runs in one thread and never calls BLAS. numpy's OpenBLAS otherwise starts a thread
# per core when numpy is first imported, and their start-up spins cost about 0.1 s of CPU in every
# process that tallies (docs/benchmarks.md). A setting made by the caller is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from budgets.allocation import Allocation, Explanation
from budgets.election import VOTE_TYPES, Ballot, Election, ElectionError, Project, project_scores
from budgets.pb_reader import PabulibError, parse_pb, read_pb
from budgets.pb_writer import dumps_pb, write_pb
from budgets.quadratic import MatchResult, quadratic_funding
from budgets.rules import RULES, UnknownRuleError, allocate

__all__ = [
    "RULES",
    "VOTE_TYPES",
    "Allocation",
    "Ballot",
    "Election",
    "ElectionError",
    "Explanation",
    "MatchResult",
    "PabulibError",
    "Project",
    "UnknownRuleError",
    "allocate",
    "dumps_pb",
    "parse_pb",
    "project_scores",
    "quadratic_funding",
    "read_pb",
    "write_pb",
]
