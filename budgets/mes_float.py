"""A run of MES in floating point with proven error bounds: the exact purchases, or no answer.

The exact engine (budgets.mes_engine) keeps every budget class as an integer over a common
denominator that grows with each purchase, so its arithmetic gets slower round after round. The
add1 search runs MES at hundreds of levels and needs from most of them only what was bought and
what it cost. This run keeps each class's budget as a float together with a bound on how far it
can be from the exact budget, and makes every decision only where the bounds prove it:

- a project is affordable, or not, when its supporters' money is away from its cost by more than
  the error of the sum;
- its price lies in a bracket [q_lo, q_hi] that is checked: the supporters' payments at q_lo
  surely fall short of the cost and at q_hi surely exceed it (payments only grow with the price);
- a round's purchase is the project whose rho bracket lies wholly below every other's.

After a purchase a supporter that surely pays everything holds exactly zero; every other one's
error grows by its weight times the bracket's width and the rounding of the subtraction. When a
decision cannot be proven (a near or exact tie, a project whose supporters hold almost exactly
its cost) the run gives up and returns None, and the caller runs the exact engine. So whatever it
returns is what the exact engine would buy, in the same order. Of prices and rhos it returns only
what a certified run at a higher per-voter budget compares with (see _certify): a proven upper
bound on each purchase's rho, its exact rho where the run knew it, and the final float classes.
The classes' float budgets, price brackets and round loop are budgets.mes_float_classes (compiled
in budgets/mes_float_loops.pyx); a certified run's comparisons are here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import NamedTuple

from budgets.mes_float_certify import FloatRangeProof
from budgets.mes_float_classes import FloatClasses, Price, Unsure
from budgets.mes_prefix import PrefixTrie
from budgets.mes_problem import MesProblem

# Costs from here on are not all whole floats; the bounds assume they are.
_EXACT_FLOAT_INTEGERS = 2**53


class RoundBound(NamedTuple):
    """A round's purchase, a proven upper bound on its rho, and its price bracket."""

    project: int
    ceiling: float
    price: Price
    scale: int

    @property
    def exact(self) -> Fraction | None:
        """The purchase's exact rho when the float run knew it (every supporter with money paid the
        price; see Price.exact)."""
        exact = self.price.exact
        return None if exact is None else exact / self.scale


@dataclass(slots=True)
class FloatOutcome:
    """The purchases of a proven float run, in order, what they cost, and whether it passed the limit.

    `rounds` holds each round's purchase and bounds on its rho, and `classes` the run's final
    float classes (a later certified run compares with both); `certified` and `certify_margin`
    answer such a run (see _certify).
    """

    bought: list[int] = field(default_factory=list)
    spent: int = 0
    over_limit: bool = False
    rounds: list[RoundBound] = field(default_factory=list)
    certified: bool = False
    certify_margin: float | None = None
    certify_change: float | None = None
    classes: FloatClasses | None = None


def run_mes_float(
    problem: MesProblem,
    per_voter: Fraction,
    trie: PrefixTrie,
    cost_limit: int | None = None,
    certify: FloatOutcome | None = None,
    step: int = 1,
) -> FloatOutcome | None:
    """MES's purchases at `per_voter` when floats prove every decision, else None (see the module).

    `certify` is a float run at a lower per-voter budget b0: the outcome is then marked
    `certified` when every add1 level from b0 to per_voter (per_voter - k x `step` for whole k)
    makes its same purchases (see _certify); the run stops as soon as that cannot be shown.
    """
    if max(problem.costs, default=0) >= _EXACT_FLOAT_INTEGERS:
        return None
    try:
        return _run(problem, per_voter, trie, cost_limit, certify, step)
    except Unsure:
        return None


def _run(
    problem: MesProblem,
    per_voter: Fraction,
    trie: PrefixTrie,
    cost_limit: int | None,
    certify: FloatOutcome | None,
    step: int,
) -> FloatOutcome:
    # The classes keep a heap of lower bounds on each live project's rho and run the rounds
    # (budgets.mes_float_loops: FloatClasses.cheapest and run).
    state = FloatClasses(problem, per_voter, trie)
    outcome = FloatOutcome(classes=state)
    outcome.bought.extend(trie.free)
    check = None if certify is None else partial(_check, state, outcome, certify, step)
    state.run(outcome, cost_limit, check, RoundBound)
    return outcome


def _check(
    state: FloatClasses,
    outcome: FloatOutcome,
    lower: FloatOutcome,
    step: int,
    chosen: tuple[int, Price] | None,
) -> bool:
    """Whether a certified run stops before this round's purchase: certified when it made the lower
    run's purchases and then finds nothing affordable; stopped, with a margin, as soon as a round's
    choice may change within the range (see _certify)."""
    done = len(outcome.rounds)
    if chosen is None or done == len(lower.rounds):
        outcome.certified = chosen is None and done == len(lower.rounds)
        return True
    outcome.certify_margin = _certify(state, chosen, lower, done, step)
    if outcome.certify_margin is not None:
        outcome.certify_change = _change(state, chosen, lower, done, step)
        return True
    return False


def _certify(
    state: FloatClasses,
    chosen: tuple[int, Price],
    lower: FloatOutcome,
    done: int,
    step: int,
) -> float | None:
    """None when no add1 level (`step` apart) between the lower run's and this one changes this
    round's choice.

    The argument of the exact certificate (budgets.mes_engine._certify_round), on proven brackets:
    for the same earlier purchases every rho only falls as the per-voter budget grows, so the
    lower run's upper bound on the chosen project's rho bounds it over the whole range, and each
    competitor's lower bound here bounds it from below. The choice holds when every live
    competitor's bound here lies above that ceiling (or the competitor is surely unaffordable
    here). Where both runs know the two rhos exactly (near and exact ties), they are compared
    exactly, ties by the usual keys. A competitor that fails these tests is tried with the finer
    range proof (budgets.mes_float_certify). Otherwise the result is the share of the range the closest
    competitor's lead would cover if the chosen project's rho fell evenly across it (0 when the
    choice itself changed): a hint for a shorter jump, never a proof.
    """
    project, price = chosen
    bound = lower.rounds[done]
    wanted, ceiling = bound.project, bound.ceiling
    if project != wanted:
        return 0.0
    problem = state.problem
    scale = problem.scale
    here = price.estimate / scale[project]
    state.set_live(project, False)
    checked: list[tuple[float, int]] = []
    miss: float | None = None
    proof: FloatRangeProof | None = None
    while (next_one := state.next_priced(ceiling)) is not None:
        p, found = next_one
        low = found.rho(scale[p])[0]
        checked.append((low, p))
        if low <= ceiling:
            exact = bound.exact
            if exact is not None and found.exact is not None:
                # Both rhos known exactly (a near or exact tie): compared as the exact certificate does.
                rival_exact = (found.exact / scale[p], problem.tie_key(p))
                if rival_exact > (exact, problem.tie_key(project)):
                    continue
            if lower.classes is not None:
                proof = proof or FloatRangeProof(lower.classes, state, step)
                if proof.holds(project, p):
                    continue
            rival = found.estimate / scale[p]
            fall = ceiling - here
            miss = (rival - here) / fall if fall > 0 and rival > here else 0.0
            break
    for low, p in checked:
        state.push(low, p)
    state.set_live(project, True)
    return miss


def _change(
    state: FloatClasses, chosen: tuple[int, Price], lower: FloatOutcome, done: int, step: int
) -> float | None:
    """Where in the range this round's choice changed (budgets.mes_float_certify's crossing), or
    None when it did not change or the lower run kept no classes."""
    project, price = chosen
    wanted, ceiling = lower.rounds[done].project, lower.rounds[done].ceiling
    if project == wanted or lower.classes is None:
        return None
    here = price.estimate / state.problem.scale[project]
    return FloatRangeProof(lower.classes, state, step).crossing(wanted, ceiling, project, here)
