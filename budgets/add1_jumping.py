"""The add1 completion of Equal Shares, skipping the levels whose outcome provably cannot change.

`add1_jumping` runs one level and then tries a level several steps further with a certified run
(see budgets.mes_engine): when the certificate holds, every level in between has the same
outcome and is skipped; the jump doubles after each success and falls back to one step after a
failure (a jump across a change of choice goes next to the step before the change, estimated
from the two projects' rhos at both ends; a long jump that failed otherwise is bisected; a near
miss halves the jump and caps the next ones for a while). Its one-step runs are float runs with
proven bounds (budgets.mes_float), and so are its certified runs, wherever the floats can prove
them; the outcome it returns is always an exact run's. Its result is add1_stepping's
(budgets.add1), level for level.
"""

from __future__ import annotations

import math
from fractions import Fraction

from budgets.add1 import (
    PABULIB,
    Add1Options,
    Add1Result,
    Progress,
    done_note,
    done_reason,
    everything_fits,
    over_note,
    start_level,
)
from budgets.mes_engine import MesOutcome, MesProblem, run_mes
from budgets.mes_float import FloatOutcome, run_mes_float
from budgets.mes_prefix import PrefixTrie

# How many certified jumps at the ceiling a near miss set (see add1_jumping) before it doubles.
CEILING_HOLDS = 3

# An accepted or trial run: exact, or proven in floats.
Accepted = MesOutcome | FloatOutcome


def plain_run(
    problem: MesProblem, per_voter: Fraction, trie: PrefixTrie, cost_limit: int | None, floats: bool
) -> Accepted:
    """A plain run's purchases: with `floats`, proven in floats when every decision is clear
    (budgets.mes_float); else, or when the floats cannot tell, from the exact engine."""
    found = run_mes_float(problem, per_voter, trie, cost_limit) if floats else None
    if found is not None:
        return found
    return run_mes(problem, per_voter, cost_limit=cost_limit, trie=trie, keep_classes=True)


def _exact(problem: MesProblem, outcome: Accepted, per_voter: Fraction, trie: PrefixTrie) -> MesOutcome:
    """The exact run (prices, rhos, classes) behind an outcome a float run proved; the same purchases."""
    if isinstance(outcome, MesOutcome):
        return outcome
    return run_mes(problem, per_voter, trie=trie, keep_classes=True)


def _rounds(outcome: MesOutcome) -> list[tuple[int, Fraction]]:
    return [(p, outcome.rho[p]) for p in outcome.bought if outcome.round_of[p] > 0]


def certified_run(
    problem: MesProblem,
    best: Accepted,
    reached: Fraction,
    level: Fraction,
    trie: PrefixTrie,
    budget: int,
    step: int,
) -> tuple[Accepted, Accepted]:
    """A run at `level` certifying (or not) that every level (`step` apart) from `reached` repeats
    `best`, and the accepted run it compared with: from a float run a certified float run when the
    floats can tell; else the exact certificate, which reads the exact classes and rhos of the
    accepted run (made here when `best` was a float run)."""
    if isinstance(best, FloatOutcome):
        found = run_mes_float(problem, level, trie, budget, certify=best, step=step)
        if found is not None:
            return found, best
    lower = _exact(problem, best, reached, trie)
    certify = _rounds(lower)
    trial = run_mes(
        problem,
        level,
        cost_limit=budget,
        certify=certify,
        trie=trie,
        lower=lower.classes,
        keep_classes=True,
        step=step,
    )
    return trial, lower


def add1_jumping(
    problem: MesProblem,
    voters: int,
    budget: int,
    progress: Progress | None = None,
    step: int = 1,
    options: Add1Options = PABULIB,
    floats: bool = True,
) -> Add1Result:
    """The same completion as add1_stepping, skipping levels whose outcome provably cannot change.

    From the accepted run at level L (k steps taken), a certified run at L + j steps either proves
    that every level up to it repeats the accepted purchases (all of them are then accepted, as
    stepping would, and the jump doubles) or fails (the next try is one step; where a round chose
    another project, the step where the two projects' rhos, drawn as lines between L and L + j,
    cross is where the purchases likely change, so the next jump ends one step before it and the
    step after is a plain run; a long jump that failed outright otherwise is halved instead, and
    later jumps stay short of the step where it failed; a near miss, where competitors kept their
    order but the proof did not reach, halves the jump and holds later ones at that length until
    a few of them are certified).
    A jump of one step is an ordinary run, judged as stepping judges it. Where outcomes change at
    nearly every level the search falls back to stepping, so it costs at most a few runs more
    than stepping. Plain and certified runs are float runs (budgets.mes_float) wherever the floats
    prove every decision, and exact runs where they cannot tell; `floats=False` makes every run
    exact (the tests compare both with stepping).
    """
    voters = max(voters, 1)
    per_voter, origin = start_level(problem, voters, budget, step, options)
    if options.integral_start and sum(problem.costs) <= budget:
        return everything_fits(problem, Fraction(budget, voters), budget)
    trie = PrefixTrie(problem)
    best = plain_run(problem, per_voter, trie, None, floats)
    runs = 1
    steps = 0
    jump = 1
    # Plain runs in a row that repeated the accepted purchases, and how many a certified jump
    # waits for: where outcomes change at almost every level a failed certificate is a wasted
    # run, so each failure doubles the wait and each success halves it.
    repeated, patience = 0, 1
    # The nearest step whose certificate failed outright (margin 0: a competitor was ahead there)
    # since the accepted purchases last changed. Jumps stay at most halfway to it, so a long jump
    # that failed is bisected rather than retried, and the steps up to it are not jumped over.
    failed_at: int | None = None
    # The step where a failed certificate's two rhos, drawn as lines, crossed (see below): jumps
    # stop one step short of it and the run there is a plain one.
    change_at: int | None = None
    # After a near miss, the longest jump to try, and the certified jumps made at it so far; it
    # doubles after CEILING_HOLDS of them and is lifted when the accepted purchases change.
    ceiling: int | None = None
    held = 0
    why = done_reason(problem, best, budget, options)
    while why is None:
        if failed_at is not None:
            jump = min(jump, max(1, (failed_at - steps) // 2))
        if change_at is not None and change_at > steps:
            jump = max(1, min(jump, change_at - 1 - steps))
        target = steps + jump
        level = origin + target * step
        reached = Fraction(origin + steps * step) if steps else per_voter
        if progress is not None:
            progress(target, level)
        runs += 1
        if jump == 1:
            trial = plain_run(problem, Fraction(level), trie, budget, floats)
            if trial.over_limit or trial.spent > budget:
                note = over_note(per_voter, reached, steps, level, trial.spent, budget)
                exact = _exact(problem, best, reached, trie)
                return Add1Result(exact, reached, note, runs + (exact is not best))
            repeated = repeated + 1 if trial.bought == best.bought else 0
            if repeated == 0:
                failed_at, ceiling, change_at = None, None, None
            jump = 2 if repeated >= patience else 1
            best, steps = trial, target
        else:
            trial, lower = certified_run(problem, best, reached, Fraction(level), trie, budget, step)
            runs += lower is not best
            best = lower
            # No margin and no certificate: the run there bought more, or passed the budget; the
            # outcome changed in the range as surely as when a competitor took the lead (margin 0).
            margin = trial.certify_margin or 0
            change = trial.certify_change
            shorter = int(jump * margin * 9 / 10)
            if trial.certified:
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
            elif margin and jump >= 4:
                # A near miss too close to say how much shorter: halve the jump, and keep later
                # jumps that short for a while, rather than step through the near-tie one level a run.
                ceiling, held = jump // 2, 0
                jump = ceiling
            elif change is not None and jump >= 3:
                # The choice changed in the range, and the two rhos, drawn as lines, cross at
                # `change` of it: certify up to the step before, then run the step after.
                failed_at, change_at = target, steps + max(1, math.ceil(jump * change))
                jump = max(1, change_at - 1 - steps)
            elif margin == 0 and jump >= 8:
                failed_at = target  # a long jump failed: halve it, keeping the patience
                jump = jump // 2
            else:
                if margin == 0:
                    failed_at = target
                jump, repeated = 1, 0
                patience = min(2 * patience, 64)
        why = done_reason(problem, best, budget, options)
    final = Fraction(origin + steps * step) if steps else per_voter
    exact = _exact(problem, best, final, trie)
    return Add1Result(exact, final, done_note(per_voter, final, steps, why), runs + (exact is not best))
