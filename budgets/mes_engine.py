"""The Method of Equal Shares on voter types: exact decisions, float pre-screening, lazy re-evaluation.

Voter types that have paid for the same projects hold the same budget; such a group is a budget
class. Budgets are exact: integer numerators over one common denominator shared by all classes.
A project's price per weight unit `q` is the smallest value with sum(min(budget, q * weight)) =
cost over its supporters; its rho (price per unit of satisfaction) is q divided by the project's
utility scale (its cost for cost utilities, 1 otherwise). Each round buys the lowest rho.

Rho never decreases (budgets only shrink), so a value computed in an earlier round is a lower
bound: a heap of them lets each round re-evaluate only the projects that could be cheapest. The
first round evaluates every project: with one budget class that is cheap, and it gives the heap
real rhos instead of the weak floors the float run starts from (MesProblem.rho_floors).
Floats rank the candidates; every project within a relative 1e-9 of the cheapest is re-evaluated
with integers, and the choice among them is exact. Ties: lower cost, more supporters, earlier project.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from fractions import Fraction

from budgets.mes_budgets import BudgetClasses
from budgets.mes_certify import RangeProof
from budgets.mes_prefix import Cells, PrefixTrie
from budgets.mes_problem import MesOutcome, MesProblem

__all__ = ["MesOutcome", "MesProblem", "run_mes"]


def run_mes(
    problem: MesProblem,
    per_voter: Fraction,
    *,
    cost_limit: int | None = None,
    certify: Sequence[tuple[int, Fraction]] | None = None,
    trie: PrefixTrie | None = None,
    lower: BudgetClasses | None = None,
    keep_classes: bool = False,
    step: int = 1,
) -> MesOutcome:
    """Run MES with `per_voter` money per voter; stop early once spending passes `cost_limit`.

    `certify` is the run of a lower per-voter budget b0 as (project, rho) per round. The outcome
    is then marked `certified` when every add1 level from b0 to per_voter (per_voter - k x `step`
    for whole k) gives that same run (see _certify_round); the run stops as soon as that cannot
    be shown, and when a round chose another project, `certify_change` estimates where in the
    range it did (budgets.mes_certify.RangeProof.crossing). Runs of one problem at several
    per-voter budgets may share a `trie` (budgets.mes_prefix): the outcome is the same.
    `lower` is the lower run's final classes (`keep_classes` keeps them in its outcome): with them
    a round whose plain certificate fails is tried with the finer proof of budgets.mes_certify.
    """
    state = BudgetClasses(problem, per_voter, trie)
    outcome = MesOutcome()
    if keep_classes:
        outcome.classes = state
    free, alive = problem.opening()
    for p in free:
        outcome.bought.append(p)
        outcome.round_of[p] = 0
        outcome.rho[p] = outcome.price[p] = Fraction(0)
    heap: list[tuple[float, int]] = [(0.0, p) for p in range(len(problem.costs)) if alive[p]]
    heapq.heapify(heap)
    round_no = 0
    while True:
        round_no += 1
        best = _cheapest(state, outcome, heap, alive, round_no)
        if certify is not None:
            # Certified only if this run makes the same purchases and then finds nothing affordable.
            if best is None or round_no > len(certify):
                outcome.certified = best is None and round_no > len(certify)
                return outcome
            before = certify[round_no - 1]
            miss = _certify_round(state, outcome, heap, alive, round_no, best, before, lower, step)
            if miss is not None:
                outcome.certify_margin = miss
                chosen, _, rho_here = best
                if chosen != before[0] and lower is not None:
                    proof = RangeProof(lower, state, step)
                    outcome.certify_change = proof.crossing(*before, chosen, rho_here)
                return outcome
        if best is None:
            return outcome
        project, price, rho = best
        outcome.round_of[project] = round_no
        outcome.rho[project] = rho
        outcome.price[project] = Fraction(price[0], price[1] * state.denominator)
        if problem.buy(outcome, project, alive, cost_limit):
            return outcome
        state.pay(project, price)


def _certify_round(
    state: BudgetClasses,
    outcome: MesOutcome,
    heap: list[tuple[float, int]],
    alive: list[bool],
    round_no: int,
    best: tuple[int, tuple[int, int], Fraction],
    before: tuple[int, Fraction],
    lower: BudgetClasses | None,
    step: int,
) -> Fraction | None:
    """None when no add1 level (`step` apart) between the lower run's and this one changes this
    round's choice.

    Budgets only grow with the per-voter budget (for the same earlier purchases), so every rho
    only falls: a competitor's rho here is a lower bound for it over the whole range, and the
    lower run's rho of the chosen project is an upper bound for that project. If every competitor
    here is still dearer than the chosen project was there (or unaffordable here), the choice holds.
    Otherwise the result is the share of the range the competitor's lead here would cover if the
    chosen project's rho fell evenly across it (0 when the choice itself changed): a hint for how
    far a shorter jump could reach, never a proof.
    """
    project, rho_before = before
    chosen, _, rho_here = best
    if chosen != project:
        return Fraction(0)
    problem = state.problem
    tie = problem.tie_key(project)
    threshold = float(rho_before) * (1 + 1e-9)
    alive[project] = False
    checked: list[tuple[float, int]] = []
    miss: Fraction | None = None
    proof: RangeProof | None = None
    while heap and heap[0][0] <= threshold:
        _, p = heapq.heappop(heap)
        if not alive[p]:
            continue
        found = _evaluate(state, outcome, p, alive, round_no)
        if found is None:
            continue
        checked.append((found[0], p))
        if found[0] > threshold:
            continue
        priced = _priced(state, outcome, p, found, alive, round_no)
        if priced is None:
            continue
        rho = priced[1]
        if (rho, problem.tie_key(p)) < (rho_before, tie):
            if lower is not None:
                proof = RangeProof(lower, state, step) if proof is None else proof
                if proof.holds(project, p):
                    continue
            fall = rho_before - rho_here
            miss = (rho - rho_here) / fall if fall > 0 and rho > rho_here else Fraction(0)
            break
    for item in checked:
        heapq.heappush(heap, item)
    alive[project] = True
    return miss


def _drop(state: BudgetClasses, outcome: MesOutcome, p: int, cells: Cells, alive: list[bool], r: int) -> None:
    """Record that p's supporters can no longer pay for it (from round r) and stop considering it."""
    alive[p] = False
    outcome.dropped[p] = (r, state.money_exact(cells))


def _priced(
    state: BudgetClasses,
    outcome: MesOutcome,
    p: int,
    found: tuple[float, float, Cells],
    alive: list[bool],
    round_no: int,
) -> tuple[tuple[int, int], Fraction] | None:
    """p's exact price and rho from its float bounds and cells, or None (p dropped) when unaffordable."""
    lo, hi, cells = found
    price = state.price_exact(p, cells, (lo, hi) if hi < math.inf else None)
    if price is None:
        _drop(state, outcome, p, cells, alive, round_no)
        return None
    return price, Fraction(price[0], price[1] * state.problem.scale[p] * state.denominator)


def _evaluate(
    state: BudgetClasses, outcome: MesOutcome, p: int, alive: list[bool], round_no: int
) -> tuple[float, float, Cells] | None:
    """Rho bounds of a live project, dropping it (exactly checked) when it became unaffordable."""
    cells = state.cells(p)
    bounds = state.rho_bounds(p, cells)
    if bounds is None or (bounds[1] == math.inf and state.price_exact(p, cells) is None):
        _drop(state, outcome, p, cells, alive, round_no)
        return None
    return bounds[0], bounds[1], cells


def _cheapest(
    state: BudgetClasses,
    outcome: MesOutcome,
    heap: list[tuple[float, int]],
    alive: list[bool],
    round_no: int,
) -> tuple[int, tuple[int, int], Fraction] | None:
    """Find the project with the lowest exact rho: (project, exact price, rho).

    The heap holds lower bounds. Every project whose bound is under the best upper bound seen
    is evaluated this round; the ones whose fresh interval still reaches under it are compared
    exactly. The rest cannot be cheapest.
    """
    problem = state.problem
    fresh: dict[int, tuple[float, float, Cells]] = {}
    best_hi = math.inf
    while heap and heap[0][0] <= best_hi:
        _, p = heapq.heappop(heap)
        if not alive[p] or p in fresh:
            continue
        found = _evaluate(state, outcome, p, alive, round_no)
        if found is not None:
            fresh[p] = found
            best_hi = min(best_hi, found[1])
    best: tuple[Fraction, tuple[int, int, int], int, tuple[int, int]] | None = None
    for p, found in fresh.items():
        heapq.heappush(heap, (found[0], p))
        if found[0] > best_hi:
            continue
        priced = _priced(state, outcome, p, found, alive, round_no)
        if priced is None:
            continue
        price, rho = priced
        if best is None or (rho, problem.tie_key(p)) < best[:2]:
            best = (rho, problem.tie_key(p), p, price)
    if best is None:
        return _cheapest(state, outcome, heap, alive, round_no) if any(alive) else None
    return best[2], best[3], best[0]
