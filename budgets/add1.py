"""The add1 completion of Equal Shares: raise the per-voter budget while the outcome fits the budget.

Two searches with the same result. `add1_stepping` runs MES at every level (the Pabulib
definition, kept as the reference and for worker processes). `add1_jumping` runs one level and
then tries a level several steps further with a certified run (see budgets.mes_engine): when
the certificate holds, every level in between has the same outcome and is skipped; the jump
doubles after each success and falls back to one step after a failure (a long jump that failed
outright is bisected; a near miss halves the jump and caps the next ones for a while). Where
runs hold thousands of budget classes, its one-step runs are float runs with proven bounds
(budgets.mes_float) when nothing needs their exact state; the outcome it returns is always an
exact run's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from budgets.allocation import money
from budgets.mes_engine import MesOutcome, MesProblem, run_mes
from budgets.mes_float import FloatOutcome, run_mes_float
from budgets.mes_levels import LevelRunner
from budgets.mes_prefix import PrefixTrie

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


def _supported(problem: MesProblem) -> int:
    """How many projects MES can ever fund (supported, and not free under cost utilities)."""
    return sum(
        1
        for count, cost in zip(problem.supporter_counts, problem.costs, strict=True)
        if count > 0 and (cost > 0 or not problem.cost_utility)
    )


def _exhaustive(problem: MesProblem, outcome: MesOutcome | FloatOutcome, budget: int) -> bool:
    """No project left unfunded fits in what the outcome leaves of the budget."""
    left = budget - outcome.spent
    bought = set(outcome.bought)
    return all(cost > left for p, cost in enumerate(problem.costs) if p not in bought)


def _start(
    problem: MesProblem, voters: int, budget: int, step: int, options: Add1Options
) -> tuple[Fraction, int]:
    """The first per-voter budget and the level the steps count from."""
    if step < 1:
        raise ValueError("the add1 step must be a positive amount")
    if options.integral_start:
        return Fraction(budget // voters), budget // voters
    return Fraction(budget, voters), budget // voters // step * step


def _done(
    problem: MesProblem, outcome: MesOutcome | FloatOutcome, budget: int, options: Add1Options
) -> str | None:
    """Why the search ends at this accepted outcome, or None to go on."""
    if len(outcome.bought) >= _supported(problem):
        return "until every supported project was funded"
    if options.exhaustive_stop and _exhaustive(problem, outcome, budget):
        return f"until nothing unfunded fit the {money(budget - outcome.spent)} left"
    return None


def _over_note(
    start: Fraction, reached: Fraction, steps: int, next_level: int, spent: int, budget: int
) -> str:
    return (
        f"add1: per-voter budget raised from {per_voter_text(start)} to {per_voter_text(reached)} in "
        f"{steps} steps; at {money(next_level)} the outcome would cost more than the budget "
        f"({money(spent)}+ > {money(budget)})"
    )


def _done_note(start: Fraction, reached: Fraction, steps: int, why: str) -> str:
    return (
        f"add1: per-voter budget raised from {per_voter_text(start)} to {per_voter_text(reached)} "
        f"in {steps} steps, {why}"
    )


def _everything_fits(problem: MesProblem, per_voter: Fraction, budget: int) -> Add1Result:
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
    per_voter, level = _start(problem, voters, budget, step, options)
    if options.integral_start and sum(problem.costs) <= budget:
        return _everything_fits(problem, Fraction(budget, voters), budget)
    best = run_mes(problem, per_voter)
    if observe is not None:
        observe(per_voter, best)
    runs = 1
    steps = 0
    why = _done(problem, best, budget, options)
    with LevelRunner(problem, budget, jobs) as runner:
        while why is None:
            for trial in runner.next_levels(level + step, step):
                runs += 1
                if progress is not None:
                    progress(steps + 1, level + step)
                if trial.over_limit or trial.spent > budget:
                    reached = Fraction(level) if steps else per_voter
                    note = _over_note(per_voter, reached, steps, level + step, trial.spent, budget)
                    return Add1Result(best, reached, note, runs)
                best = trial
                level += step
                steps += 1
                if observe is not None:
                    observe(Fraction(level), best)
                why = _done(problem, best, budget, options)
                if why is not None:
                    break
    final = Fraction(level) if steps else per_voter
    return Add1Result(best, final, _done_note(per_voter, final, steps, why), runs)


# From how many budget classes on a run's path the float run (array arithmetic) beats the exact
# engine's per-class loops; with fewer, the arrays' fixed cost per operation dominates.
FLOAT_FROM_CLASSES = 4096

# How many certified jumps at the ceiling a near miss set (see add1_jumping) before it doubles.
CEILING_HOLDS = 3

# Where plain runs are float runs, a certified jump costs several of them: it needs the exact run
# of the level it starts from and an exact certified run. Such a search waits for this many plain
# runs alike in a row before it tries one, and only a jump at least this long makes it wait less.
FLOAT_PATIENCE = 16


def _plain_run(
    problem: MesProblem, per_voter: Fraction, trie: PrefixTrie, cost_limit: int | None, floats: bool
) -> MesOutcome | FloatOutcome:
    """A plain run's purchases: with `floats`, proven in floats when every decision is clear
    (budgets.mes_float); else, or when the floats cannot tell, from the exact engine."""
    found = run_mes_float(problem, per_voter, trie, cost_limit) if floats else None
    if found is not None:
        return found
    return run_mes(problem, per_voter, cost_limit=cost_limit, trie=trie, keep_classes=True)


def _exact(
    problem: MesProblem, outcome: MesOutcome | FloatOutcome, per_voter: Fraction, trie: PrefixTrie
) -> MesOutcome:
    """The exact run (prices, rhos, classes) behind an outcome a float run proved; the same purchases."""
    if isinstance(outcome, MesOutcome):
        return outcome
    return run_mes(problem, per_voter, trie=trie, keep_classes=True)


def _rounds(outcome: MesOutcome) -> list[tuple[int, Fraction]]:
    return [(p, outcome.rho[p]) for p in outcome.bought if outcome.round_of[p] > 0]


def add1_jumping(
    problem: MesProblem,
    voters: int,
    budget: int,
    progress: Progress | None = None,
    step: int = 1,
    options: Add1Options = PABULIB,
) -> Add1Result:
    """The same completion as add1_stepping, skipping levels whose outcome provably cannot change.

    From the accepted run at level L (k steps taken), a certified run at L + j steps either proves
    that every level up to it repeats the accepted purchases (all of them are then accepted, as
    stepping would, and the jump doubles) or fails (the next try is one step; a long jump that
    failed outright is halved instead, and later jumps stay short of the step where it failed; a
    near miss, where competitors kept their order but the proof did not reach, halves the jump
    and holds later ones at that length until a few of them are certified).
    A jump of one step is an ordinary run, judged as stepping judges it. Where outcomes change at
    nearly every level the search falls back to stepping, so it costs at most a few runs more
    than stepping. Where plain runs are float runs (much cheaper than the exact runs a
    certificate needs) it waits longer before a jump (FLOAT_PATIENCE).
    """
    voters = max(voters, 1)
    per_voter, origin = _start(problem, voters, budget, step, options)
    if options.integral_start and sum(problem.costs) <= budget:
        return _everything_fits(problem, Fraction(budget, voters), budget)
    trie = PrefixTrie(problem)
    first = run_mes(problem, per_voter, trie=trie, keep_classes=True)
    floats = first.classes is not None and first.classes.node.classes >= FLOAT_FROM_CLASSES
    best: MesOutcome | FloatOutcome = first
    runs = 1
    steps = 0
    jump = 1
    # Plain runs in a row that repeated the accepted purchases, and how many a certified jump
    # waits for: where outcomes change at almost every level a failed certificate is a wasted
    # run, so each failure doubles the wait and each success that paid halves it: a jump at least
    # `long_enough` (FLOAT_PATIENCE with float runs), which is also the first wait.
    long_enough = FLOAT_PATIENCE if floats else 1
    repeated, patience = 0, long_enough
    # The nearest step whose certificate failed outright (margin 0: a competitor was ahead there)
    # since the accepted purchases last changed. Jumps stay at most halfway to it, so a long jump
    # that failed is bisected rather than retried, and the steps up to it are not jumped over.
    failed_at: int | None = None
    # After a near miss, the longest jump to try, and the certified jumps made at it so far; it
    # doubles after CEILING_HOLDS of them and is lifted when the accepted purchases change.
    ceiling: int | None = None
    held = 0
    why = _done(problem, best, budget, options)
    while why is None:
        if failed_at is not None:
            jump = min(jump, max(1, (failed_at - steps) // 2))
        target = steps + jump
        level = origin + target * step
        reached = Fraction(origin + steps * step) if steps else per_voter
        if progress is not None:
            progress(target, level)
        runs += 1
        if jump == 1:
            # A run that may lead straight into a certified jump (it would be the second alike in a
            # row, or the one `patience` waits for) is exact, since the certificate reads its exact
            # classes and rhos; the others may be float runs.
            floats_now = floats and (repeated == 0 or repeated + 1 < patience)
            trial = _plain_run(problem, Fraction(level), trie, budget, floats_now)
            if trial.over_limit or trial.spent > budget:
                note = _over_note(per_voter, reached, steps, level, trial.spent, budget)
                exact = _exact(problem, best, reached, trie)
                return Add1Result(exact, reached, note, runs + (exact is not best))
            repeated = repeated + 1 if trial.bought == best.bought else 0
            if repeated == 0:
                failed_at, ceiling = None, None
            jump = 2 if repeated >= patience else 1
            best, steps = trial, target
        else:
            # The certificate compares with the exact classes and rhos of the accepted run.
            lower = _exact(problem, best, reached, trie)
            runs += lower is not best
            best = lower
            trial = run_mes(
                problem,
                Fraction(level),
                cost_limit=budget,
                certify=_rounds(lower),
                trie=trie,
                lower=lower.classes,
                keep_classes=True,
            )
            shorter = 0 if trial.certify_margin is None else int(jump * trial.certify_margin * 9 / 10)
            if trial.certified:
                if jump >= long_enough:
                    patience = max(1, patience // 2)
                best, steps = trial, target
                jump *= 2
                if ceiling is not None:
                    held += 1
                    if held == CEILING_HOLDS:
                        ceiling, held = 2 * ceiling, 0
                    jump = min(jump, ceiling)
            elif shorter >= 2:
                jump = shorter  # a near miss: competitors kept their order, the range was too long
            elif trial.certify_margin and jump >= 4:
                # A near miss too close to say how much shorter: halve the jump, and keep later
                # jumps that short for a while, rather than step through the near-tie one level a run.
                ceiling, held = jump // 2, 0
                jump = ceiling
            elif trial.certify_margin == 0 and jump >= 8:
                failed_at = target  # a long jump failed: halve it, keeping the patience
                jump = jump // 2
            else:
                if trial.certify_margin == 0:
                    failed_at = target
                jump, repeated = 1, 0
                patience = min(2 * patience, 64)
        why = _done(problem, best, budget, options)
    final = Fraction(origin + steps * step) if steps else per_voter
    exact = _exact(problem, best, final, trie)
    return Add1Result(exact, final, _done_note(per_voter, final, steps, why), runs + (exact is not best))
