"""Bridges to the reference implementations (pabutools 1.2.3, pabulib-checker 1.0.8), for tests only."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

from pabulib.checker import Checker
from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
from pabutools.election import Project as PabuProject
from pabutools.tiebreaking import TieBreakingRule

from budgets import Election


def to_pabutools(election: Election) -> tuple[Instance, ApprovalProfile]:
    """The same approval election as pabutools objects (project names are our ids)."""
    assert election.vote_type in ("approval", "choose-1")
    projects = {p.project_id: PabuProject(p.project_id, p.cost) for p in election.projects}
    instance = Instance(projects.values(), budget_limit=election.budget)
    profile = ApprovalProfile([ApprovalBallot(projects[pid] for pid in b.projects) for b in election.ballots])
    return instance, profile


def file_order_tie(election: Election) -> TieBreakingRule:
    """Our greedy tie-break: the earlier listed project first."""
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    return TieBreakingRule(lambda inst, prof, p: index[p.name])


def reference_tie(election: Election) -> TieBreakingRule:
    """Our MES / Phragmén tie-break: lower cost, more supporters, earlier listed project."""
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    votes = {pid: 0 for pid in index}
    for ballot in election.ballots:
        for pid in ballot.projects:
            votes[pid] += 1
    return TieBreakingRule(lambda inst, prof, p: (p.cost, -votes[p.name], index[p.name]))


def names(allocation: Any) -> list[str]:
    """Project ids of a pabutools BudgetAllocation, in its order."""
    return [p.name for p in allocation]


COST_SAT: Any = Cost_Sat


def checker_mes(election: Election, add1: bool) -> list[str]:
    """pabulib-checker's own Equal Shares (the Pabulib reference), on an approval election."""
    checker = Checker()
    checker.meta = {"budget": str(election.budget), "vote_type": "approval"}
    checker.projects = {p.project_id: {"cost": str(p.cost)} for p in election.projects}
    checker.votes = {str(i): {"vote": ",".join(b.projects)} for i, b in enumerate(election.ballots)}
    winners: list[str] = checker._compute_equalshares_winners(add1=add1)
    return winners


def run_checker(text: str) -> dict[str, Any]:
    """Run pabulib-checker on .pb text; returns its {"errors": ..., "warnings": ...} for the file."""
    checker = Checker()
    with contextlib.redirect_stdout(io.StringIO()):
        report = checker.process_files([text])
    key = next(k for k in report if k not in ("metadata", "summary"))
    results: dict[str, Any] = report[key]["results"]
    return results


Rule = Callable[..., Any]
