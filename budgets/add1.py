"""The add1 completion of Equal Shares: raise the per-voter budget while the outcome fits the budget.

Two searches with the same result. `add1_stepping` (here) runs MES at every level: the Pabulib
definition, kept as the reference and for worker processes. `add1_jumping`
(budgets.add1_jumping) skips the levels a certified run proves repeat the same outcome. Both
share the options, the start and stop rules and the explanation notes defined here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from budgets.allocation import money
from budgets.mes_engine import MesOutcome, MesProblem, run_mes
from budgets.mes_float import FloatOutcome
from budgets.mes_levels import LevelRunner

Progress = Callable[[int, int], None]
# Called by add1_stepping with each per-voter budget it accepts and the outcome there.
Observer = Callable[[Fraction, MesOutcome], None]


@dataclass(frozen=True, slots=True)
class Add1Options:
    """How an add1 search starts and stops.

    Pabulib's add1 (the defaults) first runs at budget / voters, then at whole levels from
    floor(budget / voters / step) * step. equalshares.net's compute tool starts at
    floor(budget / voters) (its "integral" option), skips the search when every project fits the
    budget together, and with its "exhaustive" option stops as soon as no unfunded project fits
    the money the outcome leaves.
    """

    integral_start: bool = False
    exhaustive_stop: bool = False


PABULIB = Add1Options()


@dataclass(frozen=True, slots=True)
class Add1Result:
    """The accepted MES run, the per-voter budget it ran with, the explanation note, and MES runs made."""

    outcome: MesOutcome
    per_voter: Fraction
    note: str
    runs: int


def per_voter_text(value: Fraction) -> str:
    """A per-voter budget as text: whole amounts with separators, others to two decimals."""
    return money(value.numerator) if value.denominator == 1 else f"{float(value):,.2f}"


def _exhaustive(problem: MesProblem, outcome: MesOutcome | FloatOutcome, budget: int) -> bool:
    """No project left unfunded fits in what the outcome leaves of the budget."""
    left = budget - outcome.spent
    bought = set(outcome.bought)
    return all(cost > left for p, cost in enumerate(problem.costs) if p not in bought)


def start_level(
    problem: MesProblem, voters: int, budget: int, step: int, options: Add1Options
) -> tuple[Fraction, int]:
    """The first per-voter budget and the level the steps count from."""
    if step < 1:
        raise ValueError("the add1 step must be a positive amount")
    if options.integral_start:
        return Fraction(budget // voters), budget // voters
    return Fraction(budget, voters), budget // voters // step * step


def done_reason(
    problem: MesProblem, outcome: MesOutcome | FloatOutcome, budget: int, options: Add1Options
) -> str | None:
    """Why the search ends at this accepted outcome, or None to go on."""
    if len(outcome.bought) >= problem.fundable:
        return "until every supported project was funded"
    if options.exhaustive_stop and _exhaustive(problem, outcome, budget):
        return f"until nothing unfunded fit the {money(budget - outcome.spent)} left"
    return None


def over_note(
    start: Fraction, reached: Fraction, steps: int, next_level: int, spent: int, budget: int
) -> str:
    return (
        f"add1: per-voter budget raised from {per_voter_text(start)} to {per_voter_text(reached)} in "
        f"{steps} steps; at {money(next_level)} the outcome would cost more than the budget "
        f"({money(spent)}+ > {money(budget)})"
    )


def done_note(start: Fraction, reached: Fraction, steps: int, why: str) -> str:
    return (
        f"add1: per-voter budget raised from {per_voter_text(start)} to {per_voter_text(reached)} "
        f"in {steps} steps, {why}"
    )


def everything_fits(problem: MesProblem, per_voter: Fraction, budget: int) -> Add1Result:
    outcome = run_mes(problem, per_voter)
    note = f"add1 not needed: all projects together cost {money(sum(problem.costs))}, within {money(budget)}"
    return Add1Result(outcome, per_voter, note, 1)


def add1_stepping(
    problem: MesProblem,
    voters: int,
    budget: int,
    progress: Progress | None = None,
    jobs: int = 1,
    step: int = 1,
    options: Add1Options = PABULIB,
    observe: Observer | None = None,
) -> Add1Result:
    """MES with the add1 completion, one level at a time (the definition; see Add1Options).

    Start from budget / voters per voter; then try floor(budget / voters) + 1, + 2, ... and keep
    each outcome whose real cost fits the budget; stop at the first that does not (an exhaustive
    outcome stops the search only with `exhaustive_stop`). The search also stops once every
    supported project is funded, since more money cannot change that outcome. With `jobs` > 1
    the next levels are computed in parallel worker processes; the result is the same. `step` is
    the raise per voter in money units: with budgets in cents, step=100 raises by one currency
    unit (levels then start from the per-voter budget rounded down to a whole step).
    `observe` sees every accepted level and its outcome (the benchmark counts distinct outcomes).
    """
    voters = max(voters, 1)
    per_voter, level = start_level(problem, voters, budget, step, options)
    if options.integral_start and sum(problem.costs) <= budget:
        return everything_fits(problem, Fraction(budget, voters), budget)
    best = run_mes(problem, per_voter)
    if observe is not None:
        observe(per_voter, best)
    runs = 1
    steps = 0
    why = done_reason(problem, best, budget, options)
    with LevelRunner(problem, budget, jobs) as runner:
        while why is None:
            for trial in runner.next_levels(level + step, step):
                runs += 1
                if progress is not None:
                    progress(steps + 1, level + step)
                if trial.over_limit or trial.spent > budget:
                    reached = Fraction(level) if steps else per_voter
                    note = over_note(per_voter, reached, steps, level + step, trial.spent, budget)
                    return Add1Result(best, reached, note, runs)
                best = trial
                level += step
                steps += 1
                if observe is not None:
                    observe(Fraction(level), best)
                why = done_reason(problem, best, budget, options)
                if why is not None:
                    break
    final = Fraction(level) if steps else per_voter
    return Add1Result(best, final, done_note(per_voter, final, steps, why), runs)
