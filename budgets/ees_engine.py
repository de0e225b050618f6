"""Exact Equal Shares (EES): every voter who pays for a project pays the same share, others pay nothing.

Kraiczy, Robinson and Elkind, "Streamlining Equal Shares" (2025). With per-voter budget b, a
project costing c is affordable by k of its supporters when the k richest of them each hold at
least c / k; it is bought with the largest such k, and each round buys the project with the lowest
rho = c / (k * utility scale) (cost utilities: 1 / k; cardinal utilities: c / k). Ties: lower cost,
more supporters, earlier project. A voter's spending is a sum of shares and does not depend on b,
so voter types are grouped in classes of equal spending (each purchase moves each paying class to
a new class) and a project's supporters are counted by class.

A run also finds the smallest increase d > 0 of b that changes the run (`change`): with the same
earlier rounds, round r keeps its choice at b + d unless a project p still on offer there reaches
k >= K payers, K being the fewest with which p would beat the round's choice (the chosen project
itself: one payer more than it had). p has k payers at b + d iff some k' >= k has
c / k' + s(k') <= b + d, s(k') being the k'-th smallest spending among p's supporters in round r.
So the round's change point is min over k' >= K of c / k' + s(k') (a per-voter budget that depends
on the round alone), and `change` is the least of them minus b (the last "round" after the final
purchase asks any payer at all). Within a run s(k') only grows, so the minima computed for p in an
earlier round bound the later ones from below and most (round, project) pairs are never
evaluated. `change_skip` takes only projects the run does not fund (the paper's add-opt-skip).

The add-opt completions raise b from change point to change point; an `EesSweep`
(budgets.ees_rounds, compiled) keeps the rounds before the first whose change point the new b
reaches, which are the same at the new b. What voters spend does not depend on the budget, so a
round is the same at b' as at b (same state, purchase, tables) as long as no earlier round changed
and b' is below its own change point.

The rounds after the one that changes are replayed where they can be, not run again: a change
mostly gives that round's purchase more payers, and the later rounds then buy the same projects
with the same payers. Against the run before, such a change lowers what a voter has spent by at
most c / k - c / k' (each earlier payer's share falls; the new payers spend more). Lowering
spending by at most D lowers every c / k + s by at most D, and raising it only raises them; so a
later round whose change point was x is unchanged at b if x minus the falls summed since it was
computed is above b. Where that bound is not above the least change point of the rounds before it,
the round's change point is computed again on the run as it is. A replayed round moves the voter
types that paid in the run before, once each paying class is checked to afford the share (the new
payers spend more, and have usually spent all of b). A round that fails a check is run in full;
replaying goes on after it if it bought the same project and every payer it lost had spent all of b
(such a voter spends more than in the run before from then on and never pays again, so the falls
stay bounded and the other classes stay whole: voters who share one now shared one there).
"""

from __future__ import annotations

from fractions import Fraction

from budgets.ees_outcome import EesOutcome
from budgets.ees_rounds import EesSweep
from budgets.ees_state import SupporterArrays
from budgets.mes_problem import MesProblem

__all__ = ["EesOutcome", "EesSweep", "SupporterArrays", "run_ees"]


def run_ees(
    problem: MesProblem,
    per_voter: Fraction,
    *,
    cost_limit: int | None = None,
    changes: tuple[str, ...] = ("opt", "skip"),
    arrays: SupporterArrays | None = None,
) -> EesOutcome:
    """Run EES with `per_voter` money per voter; stop once spending passes `cost_limit`.

    `changes` names the change points to find ("opt": `change`, "skip": `change_skip`); none are
    found for a run stopped by the limit. `arrays` (the problem's, built when not given) lets the
    runs of a completion share them.
    """
    sweep = EesSweep(problem, arrays)
    sweep.advance(per_voter, cost_limit, change_points="opt" in changes)
    outcome = sweep.outcome()
    if outcome.over_limit:
        return outcome
    if "opt" in changes:
        outcome.change = sweep.change()
    if "skip" in changes:
        outcome.change_skip = sweep.change_skip()
    return outcome
