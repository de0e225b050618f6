"""Exact Equal Shares rules: the add-opt completion and its add-opt-skip variant, explained, with payments.

Utilities as "equalshares": cost utilities for approval and choose-1 ballots; for point and
ranking ballots every project a voter gives points to counts as approved with utility 1 (the
paper defines EES for these two kinds of utility). The add-opt completion starts at
budget / voters per voter and moves straight to the next per-voter budget at which the EES run
changes (see budgets.ees_engine), so it sees every outcome a continuous raise would see, one run
per distinct outcome; it keeps the last outcome within the budget and stops at the first that
costs more, or once every supported project is funded. add-opt-skip moves only to budgets at
which a project the current outcome leaves out could be bought, skipping changes among the funded
projects' payers (the paper's recommended heuristic): fewer runs, possibly another outcome.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from budgets.add1 import Progress, per_voter_text
from budgets.allocation import Allocation, Explanation, build_allocation, counted, money
from budgets.ees_engine import EesOutcome, EesSweep, SupporterArrays, run_ees
from budgets.election import Election
from budgets.mes_payments import LazyPayments, Payments, type_of_ballots, voter_key
from budgets.mes_problem import MesProblem
from budgets.voter_types import voter_types

RULES = {"exactequalshares/addopt": False, "exactequalshares/addoptskip": True}


def ees_problem(election: Election) -> MesProblem:
    """The EES problem of an election: unit weights, cost utilities for approval-type ballots."""
    types = voter_types(election, cardinality=True)
    costs = [project.cost for project in election.projects]
    return MesProblem.build(costs, types, cost_utility=election.vote_type in ("approval", "choose-1"))


@dataclass(frozen=True, slots=True)
class AddOptResult:
    """The accepted run, its per-voter budget, the explanation note and how many EES runs were made."""

    outcome: EesOutcome
    per_voter: Fraction
    note: str
    runs: int


def add_opt(
    problem: MesProblem,
    voters: int,
    budget: int,
    *,
    skip: bool = False,
    progress: Progress | None = None,
) -> AddOptResult:
    """EES with the add-opt completion (add-opt-skip with `skip`); see the module docstring.

    `progress(run, per_voter_budget)` is called before each run after the first, with the run's
    number and its per-voter budget rounded down (a tally's heartbeat: a Warsaw-sized add-opt makes
    thousands of runs)."""
    name = "add-opt-skip" if skip else "add-opt"
    start = per_voter = Fraction(budget, max(voters, 1))
    arrays = SupporterArrays.of(problem)
    sweep = EesSweep(problem, arrays)
    sweep.advance(per_voter)
    funded = sweep.funded
    runs, changes = 1, 0
    supported = sum(
        1
        for count, cost in zip(problem.supporter_counts, problem.costs, strict=True)
        if count > 0 and (cost > 0 or not problem.cost_utility)
    )
    head = f"{name}: per-voter budget raised from {per_voter_text(start)}"
    while True:
        if funded >= supported:
            why = "until every supported project was funded"
            break
        step = sweep.change_skip() if skip else sweep.change()
        if step is None:
            why = "where no larger per-voter budget changes the outcome"
            break
        runs += 1
        raised = per_voter + step
        if progress is not None:
            progress(runs, math.floor(raised))
        sweep.advance(raised, budget)
        if sweep.over_limit or sweep.spent > budget:
            why = (
                f"before {per_voter_text(raised)}, where the outcome would cost more than the "
                f"budget ({money(sweep.spent)}+ > {money(budget)})"
            )
            break
        funded, per_voter, changes = sweep.funded, raised, changes + 1
    note = f"{head} to {per_voter_text(per_voter)} through {changes} changes of outcome ({runs} runs), {why}"
    # A fresh run of the accepted budget: the sweep's outcome object has moved on, and a resumed
    # run may not say in which round a project was found unaffordable as a fresh run would.
    best = run_ees(problem, per_voter, changes=(), arrays=arrays)
    return AddOptResult(best, per_voter, note, runs)


def ees_payments(
    election: Election, problem: MesProblem, outcome: EesOutcome, per_voter: Fraction
) -> Payments:
    """Replay the purchases: a supporter pays the project's share when they hold at least that much.

    Exactly the payers EES chose: its payers are the richest supporters, and a poorer supporter
    holding the share would have let more voters split the cost.
    """
    types = problem.types
    spent = [Fraction(0)] * len(types.multiplicity)
    paid: list[dict[int, Fraction]] = [{} for _ in types.multiplicity]
    for p in outcome.bought:
        if outcome.round_of[p] == 0:
            continue
        share = outcome.share[p]
        can_pay = per_voter - share
        for t in types.supporters[p]:
            if spent[t] <= can_pay:
                spent[t] += share
                paid[t][p] = share
    ids = election.project_ids
    result: dict[str, dict[str, Fraction]] = {}
    for i, t in enumerate(type_of_ballots(election, problem)):
        if t >= 0 and paid[t]:
            result[voter_key(election, i)] = {ids[p]: amount for p, amount in paid[t].items()}
    return result


def _reason(problem: MesProblem, outcome: EesOutcome, p: int) -> tuple[bool, str]:
    support, cost = problem.supporter_counts[p], problem.costs[p]
    if p in outcome.round_of:
        r = outcome.round_of[p]
        if r == 0:
            return True, "funded before the first round: it costs nothing and has supporters"
        k, rho = outcome.payers[p], outcome.rho[p]
        return True, (
            f"funded in round {r}: {money(k)} of its {counted(support, 'supporter')} paid an equal share of "
            f"{float(outcome.share[p]):,.2f} each (rho {float(rho):.6g} per unit of satisfaction)"
        )
    if support == 0:
        return False, "no voter supports it"
    if cost == 0 and problem.cost_utility:
        return False, "not selected: it costs nothing, so under cost utilities it brings no satisfaction"
    if p in outcome.dropped:
        return False, (
            f"unaffordable from round {outcome.dropped[p]}: its cost {money(cost)} could not be split "
            f"equally within any group of its {counted(support, 'supporter')} (for every k, fewer than k "
            f"of them still held {money(cost)} / k)"
        )
    return False, "not reached: the run stopped once spending passed the budget"


def exact_equal_shares(election: Election, rule: str, progress: Progress | None = None) -> Allocation:
    """Run `exactequalshares/addopt` or `exactequalshares/addoptskip` and explain every project."""
    problem = ees_problem(election)
    found = add_opt(problem, len(election.ballots), election.budget, skip=RULES[rule], progress=progress)
    outcome = found.outcome
    position = {p: i for i, p in enumerate(outcome.bought, start=1)}
    explanations: dict[str, Explanation] = {}
    for p, project in enumerate(election.projects):
        funded, reason = _reason(problem, outcome, p)
        pid = project.project_id
        explanations[pid] = Explanation(
            pid,
            funded,
            project.cost,
            reason,
            problem.supporter_counts[p],
            position.get(p),
            outcome.round_of.get(p, outcome.dropped.get(p)),
            outcome.rho.get(p),
        )
    order = [election.projects[p].project_id for p in outcome.bought]
    costs = {project.project_id: project.cost for project in election.projects}
    payments = LazyPayments(lambda: ees_payments(election, problem, outcome, found.per_voter))
    start = per_voter_text(Fraction(election.budget, max(len(election.ballots), 1)))
    voters = f"each of {counted(len(election.ballots), 'voter')} started with {start}"
    notes = (voters, found.note)
    return build_allocation(
        rule, election.budget, order, costs, explanations, notes, payments, found.per_voter
    )


def ees_rule(rule: str) -> Callable[[Election, Progress | None, int, int], Allocation]:
    """The rule as `budgets.allocate` runs a completed rule: with progress (add1's worker count and
    step size do not apply to add-opt)."""

    def run(election: Election, progress: Progress | None, jobs: int, add1_step: int) -> Allocation:
        return exact_equal_shares(election, rule, progress)

    return run
