"""Method of Equal Shares rules: pure MES, the add1 completion, the add1 comparison step and a greedy fill.

Utilities: for approval and choose-1 ballots "equalshares" uses cost utilities (a supporter values
a project at its cost), as Pabulib and equalshares.net do; for point and ranking ballots the
utility is the points (Borda points for rankings). "equalshares-cardinality" values every
supported project at 1. Ties: lower cost, then more supporters, then the earlier listed project.
"""

from __future__ import annotations

from fractions import Fraction

from budgets.add1 import (
    PABULIB,
    Add1Options,
    Add1Result,
    Progress,
    add1_stepping,
    per_voter_text,
)
from budgets.add1_jumping import add1_jumping
from budgets.allocation import Allocation, Explanation, build_allocation, counted, money
from budgets.election import Election, project_scores
from budgets.greedy import greedy, score_unit
from budgets.mes_engine import MesOutcome, MesProblem, run_mes
from budgets.mes_payments import LazyPayments, mes_payments
from budgets.voter_types import voter_types


def mes_problem(election: Election, *, cardinality: bool = False) -> MesProblem:
    """Build the MES problem of an election with the utilities described in the module docstring."""
    types = voter_types(election, cardinality=cardinality)
    cost_utility = not cardinality and election.vote_type in ("approval", "choose-1")
    costs = [project.cost for project in election.projects]
    return MesProblem.build(costs, types, cost_utility=cost_utility)


def explain_mes(
    election: Election,
    problem: MesProblem,
    outcome: MesOutcome,
    per_voter: Fraction,
    rule: str,
    notes: tuple[str, ...] = (),
) -> Allocation:
    """Turn a MES run into an Allocation with one explanation per project and each voter's payments."""
    explanations: dict[str, Explanation] = {}
    order = [election.projects[p].project_id for p in outcome.bought]
    position = {p: i for i, p in enumerate(outcome.bought, start=1)}
    for p, project in enumerate(election.projects):
        pid, cost = project.project_id, project.cost
        support = problem.supporter_counts[p]
        if p in position:
            r, rho, price = outcome.round_of[p], outcome.rho[p], outcome.price[p]
            if r == 0:
                reason = "funded before the first round: it costs nothing and has supporters"
            else:
                reason = (
                    f"funded in round {r}: rho {float(rho):.6g} per unit of satisfaction, "
                    f"{'each of ' if support != 1 else ''}its {counted(support, 'supporter')} paid at "
                    f"most {float(price):,.2f}"
                    f"{'' if problem.unit else ' per point'}"
                )
            explanations[pid] = Explanation(pid, True, cost, reason, support, position[p], r, rho)
        elif support == 0:
            explanations[pid] = Explanation(pid, False, cost, "no voter supports it", 0)
        elif cost == 0 and problem.cost_utility:
            reason = "not selected: it costs nothing, so under cost utilities it brings no satisfaction"
            explanations[pid] = Explanation(pid, False, cost, reason, support)
        elif p in outcome.dropped:
            r, held = outcome.dropped[p]
            reason = (
                f"unaffordable from round {r}: its {counted(support, 'supporter')} held "
                f"{float(held):,.2f} left, it costs {money(cost)}"
            )
            explanations[pid] = Explanation(pid, False, cost, reason, support, round=r)
        else:
            reason = "not reached: the run stopped once spending passed the budget"
            explanations[pid] = Explanation(pid, False, cost, reason, support)
    costs = {project.project_id: project.cost for project in election.projects}
    payments = LazyPayments(lambda: mes_payments(election, problem, outcome, per_voter))
    return build_allocation(rule, election.budget, order, costs, explanations, notes, payments, per_voter)


def equal_shares(election: Election, *, cardinality: bool = False) -> Allocation:
    """Pure (non-exhaustive) MES with each voter holding budget / voters."""
    problem = mes_problem(election, cardinality=cardinality)
    voters = max(len(election.ballots), 1)
    per_voter = Fraction(election.budget, voters)
    outcome = run_mes(problem, per_voter)
    rule = "equalshares-cardinality" if cardinality else "equalshares"
    note = f"each of {counted(len(election.ballots), 'voter')} started with {per_voter_text(per_voter)}"
    return explain_mes(election, problem, outcome, per_voter, rule, (note,))


def add1_outcome(
    election: Election,
    problem: MesProblem,
    progress: Progress | None = None,
    jobs: int = 1,
    step: int = 1,
    options: Add1Options = PABULIB,
) -> Add1Result:
    """MES with an "add1" completion (see budgets.add1; Pabulib's unless `options` say otherwise).

    In one process the search jumps over levels whose outcome provably repeats; with `jobs` > 1
    it steps level by level in worker processes. Both give the same outcome; the jumping search
    ends with a plain run at the level it reached, so the explanations are those of that level.
    """
    voters, budget = len(election.ballots), election.budget
    if jobs > 1:
        return add1_stepping(problem, voters, budget, progress, jobs, step, options)
    found = add1_jumping(problem, voters, budget, progress, step, options)
    if not found.outcome.certified:
        return found
    # A certified run may find a project unaffordable in an earlier round than a plain run reports.
    plain = run_mes(problem, found.per_voter)
    return Add1Result(plain, found.per_voter, found.note, found.runs + 1)


def equal_shares_add1(
    election: Election, progress: Progress | None = None, jobs: int = 1, step: int = 1
) -> Allocation:
    """MES with the add1 completion (Pabulib "equalshares/add1"); see add1_outcome for the options."""
    problem = mes_problem(election)
    found = add1_outcome(election, problem, progress, jobs, step)
    return explain_mes(election, problem, found.outcome, found.per_voter, "equalshares/add1", (found.note,))


def greedy_fill(election: Election, base: Allocation, rule: str) -> Allocation:
    """Complete an allocation greedily by score with whatever money it left unspent."""
    scores = project_scores(election)
    unit = score_unit(election.vote_type)
    index = {p.project_id: i for i, p in enumerate(election.projects)}
    order = list(base.selected)
    explanations = dict(base.explanations)
    left = base.left
    funded = set(order)
    rest = sorted((pid for pid in index if pid not in funded), key=lambda pid: (-scores[pid], index[pid]))
    for pid in rest:
        cost = election.projects[index[pid]].cost
        shown = counted(scores[pid], unit)
        earlier = explanations[pid].reason
        if cost <= left:
            order.append(pid)
            reason = (
                f"funded by the greedy fill ({shown}): {money(left)} left, costs {money(cost)}; "
                f"before: {earlier}"
            )
            explanations[pid] = Explanation(pid, True, cost, reason, scores[pid], len(order), left=left)
            left -= cost
        else:
            reason = f"{earlier}; greedy fill: did not fit: {money(left)} left, costs {money(cost)}"
            old = explanations[pid]
            explanations[pid] = Explanation(
                pid, False, cost, reason, old.score, None, old.round, old.rho, left=left
            )
    costs = {p.project_id: p.cost for p in election.projects}
    notes = (*base.notes, f"greedy fill spent {money(base.left - left)} of the {money(base.left)} left")
    return build_allocation(
        rule, election.budget, order, costs, explanations, notes, base.payments, base.per_voter
    )


def equal_shares_add1_greedy(
    election: Election, progress: Progress | None = None, jobs: int = 1, step: int = 1
) -> Allocation:
    """MES with the add1 completion, then a greedy fill of what is left."""
    return greedy_fill(election, equal_shares_add1(election, progress, jobs, step), "equalshares/add1/greedy")


def equal_shares_add1_comparison(
    election: Election, progress: Progress | None = None, jobs: int = 1, step: int = 1
) -> Allocation:
    """add1, then the comparison step: switch to plain greedy only if more voters prefer its outcome.

    A voter prefers the outcome that funds more of the projects they support (the pabulib-checker
    "satisfaction" comparison); on a tie in the count of voters the MES outcome stays.
    """
    mes = equal_shares_add1(election, progress, jobs, step)
    alternative = greedy(election)
    mes_set, greedy_set = set(mes.selected), set(alternative.selected)
    prefer_mes = prefer_greedy = 0
    for ballot in election.ballots:
        liked = (
            [pid for pid in ballot.projects]
            if ballot.points is None
            else [pid for pid, points in zip(ballot.projects, ballot.points, strict=True) if points > 0]
        )
        a = sum(1 for pid in liked if pid in mes_set)
        b = sum(1 for pid in liked if pid in greedy_set)
        prefer_mes += a > b
        prefer_greedy += b > a
    verdict = (
        f"comparison: {counted(prefer_mes, 'voter')} {'prefers' if prefer_mes == 1 else 'prefer'} the MES "
        f"outcome, {money(prefer_greedy)} {'prefers' if prefer_greedy == 1 else 'prefer'} greedy"
    )
    if prefer_greedy > prefer_mes:
        chosen = alternative
        notes = (*mes.notes, verdict + "; greedy outcome adopted")
    else:
        chosen = mes
        notes = (*mes.notes, verdict + "; MES outcome kept")
    costs = {p.project_id: p.cost for p in election.projects}
    return build_allocation(
        "equalshares/add1-comparison",
        election.budget,
        list(chosen.selected),
        costs,
        chosen.explanations,
        notes,
        chosen.payments,
        chosen.per_voter,
    )
