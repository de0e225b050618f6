"""Method of Equal Shares rules: pure MES, the add1 completion, the add1 comparison step and a greedy fill.

Utilities: for approval and choose-1 ballots "equalshares" uses cost utilities (a supporter values
a project at its cost), as Pabulib and equalshares.net do; for point and ranking ballots the
utility is the points (Borda points for rankings). "equalshares-cardinality" values every
supported project at 1. Ties: lower cost, then more supporters, then the earlier listed project.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from budgets.allocation import Allocation, Explanation, build_allocation, money
from budgets.election import Election, project_scores
from budgets.greedy import greedy, score_unit
from budgets.mes_engine import MesOutcome, MesProblem, run_mes
from budgets.mes_levels import LevelRunner
from budgets.voter_types import voter_types

Progress = Callable[[int, int], None]


def mes_problem(election: Election, *, cardinality: bool = False) -> MesProblem:
    """Build the MES problem of an election with the utilities described in the module docstring."""
    types = voter_types(election, cardinality=cardinality)
    cost_utility = not cardinality and election.vote_type in ("approval", "choose-1")
    costs = [project.cost for project in election.projects]
    return MesProblem.build(costs, types, cost_utility=cost_utility)


def _per_voter_text(value: Fraction) -> str:
    return money(value.numerator) if value.denominator == 1 else f"{float(value):,.2f}"


def explain_mes(
    election: Election, problem: MesProblem, outcome: MesOutcome, rule: str, notes: tuple[str, ...] = ()
) -> Allocation:
    """Turn a MES run into an Allocation with one explanation per project."""
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
                    f"each of its {money(support)} supporters paid at most {float(price):,.2f}"
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
                f"unaffordable from round {r}: its {money(support)} supporters held "
                f"{float(held):,.2f} left, it costs {money(cost)}"
            )
            explanations[pid] = Explanation(pid, False, cost, reason, support, round=r)
        else:
            reason = "not reached: the run stopped once spending passed the budget"
            explanations[pid] = Explanation(pid, False, cost, reason, support)
    costs = {project.project_id: project.cost for project in election.projects}
    return build_allocation(rule, election.budget, order, costs, explanations, notes)


def equal_shares(election: Election, *, cardinality: bool = False) -> Allocation:
    """Pure (non-exhaustive) MES with each voter holding budget / voters."""
    problem = mes_problem(election, cardinality=cardinality)
    voters = max(len(election.ballots), 1)
    per_voter = Fraction(election.budget, voters)
    outcome = run_mes(problem, per_voter)
    rule = "equalshares-cardinality" if cardinality else "equalshares"
    note = f"each of {money(len(election.ballots))} voters started with {_per_voter_text(per_voter)}"
    return explain_mes(election, problem, outcome, rule, (note,))


def add1_outcome(
    election: Election,
    problem: MesProblem,
    progress: Progress | None = None,
    jobs: int = 1,
    step: int = 1,
) -> tuple[MesOutcome, Fraction, str]:
    """MES with the Pabulib "add1" completion.

    Start from budget / voters per voter; then try floor(budget / voters) + 1, + 2, ... and keep
    each outcome whose real cost fits the budget; stop at the first that does not (an exhaustive
    outcome does not stop the search). The search also stops once every supported project is
    funded, since more money cannot change that outcome. With `jobs` > 1 the next levels are
    computed in parallel worker processes; the result is the same. `step` is the raise per
    voter in money units: with budgets in cents, step=100 raises by one currency unit (levels
    then start from the per-voter budget rounded down to a whole step).
    """
    voters = max(len(election.ballots), 1)
    budget = election.budget
    per_voter = Fraction(budget, voters)
    best = run_mes(problem, per_voter)
    supported = sum(
        1
        for count, cost in zip(problem.supporter_counts, problem.costs, strict=True)
        if count > 0 and (cost > 0 or not problem.cost_utility)
    )
    if step < 1:
        raise ValueError("the add1 step must be a positive amount")
    level = budget // voters // step * step
    steps = 0
    with LevelRunner(problem, budget, jobs) as runner:
        while len(best.bought) < supported:
            for trial in runner.next_levels(level + step, step):
                if progress is not None:
                    progress(steps + 1, level + step)
                if trial.over_limit or trial.spent > budget:
                    reached = Fraction(level) if steps else per_voter
                    note = (
                        f"add1: per-voter budget raised from {_per_voter_text(per_voter)} to "
                        f"{_per_voter_text(reached)} in {steps} steps; at {money(level + step)} the "
                        f"outcome would cost more than the budget ({money(trial.spent)}+ > {money(budget)})"
                    )
                    return best, reached, note
                best = trial
                level += step
                steps += 1
                if len(best.bought) >= supported:
                    break
    final = Fraction(level) if steps else per_voter
    note = (
        f"add1: per-voter budget raised from {_per_voter_text(per_voter)} to {_per_voter_text(final)} "
        f"in {steps} steps, until every supported project was funded"
    )
    return best, final, note


def equal_shares_add1(
    election: Election, progress: Progress | None = None, jobs: int = 1, step: int = 1
) -> Allocation:
    """MES with the add1 completion (Pabulib "equalshares/add1"); see add1_outcome for the options."""
    problem = mes_problem(election)
    outcome, _, note = add1_outcome(election, problem, progress, jobs, step)
    return explain_mes(election, problem, outcome, "equalshares/add1", (note,))


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
        shown = f"{money(scores[pid])} {unit}"
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
    return build_allocation(rule, election.budget, order, costs, explanations, notes)


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
        f"comparison: {money(prefer_mes)} voters prefer the MES outcome, {money(prefer_greedy)} prefer greedy"
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
    )
