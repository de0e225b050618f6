"""The utilitarian optimum: the affordable set of projects with the highest total score (exact 0/1 knapsack).

Scores are those of the greedy rules (approvals, points, Borda points). The search keeps, for
each prefix of projects, the Pareto front of (cost, score) pairs and prunes every partial set
whose score plus a fractional (LP) bound on the rest cannot beat the best complete set found;
all arithmetic is integer. Among optimal sets the cheapest wins, then the one that funds the
earliest listed projects.
"""

from __future__ import annotations

from fractions import Fraction

from budgets.allocation import Allocation, Explanation, build_allocation, counted, money
from budgets.election import Election, project_scores
from budgets.greedy import score_unit


def _upper_bound(score: int, room: int, rest: list[tuple[int, int]]) -> tuple[int, int]:
    """Score plus the LP bound of the remaining items (sorted by density), as a fraction num/den."""
    num, den = score, 1
    for cost, value in rest:
        if cost <= room:
            room -= cost
            num += value * den
        else:
            # Fractional part value * room / cost, kept exact as a rational.
            num = num * cost + value * room * den
            den *= cost
            break
    return num, den


def best_subset(costs: list[int], values: list[int], budget: int) -> list[int]:
    """Indices of a maximum-value subset within the budget (cheapest, then earliest, among optima)."""
    free = [i for i in range(len(costs)) if costs[i] == 0]
    items = [i for i in range(len(costs)) if 0 < costs[i] <= budget and values[i] > 0]
    # Density order (exact) makes the LP bound valid.
    items.sort(key=lambda i: (-Fraction(values[i], costs[i]), i))
    # Lower bound: greedy by density.
    best_value, room = 0, budget
    for i in items:
        if costs[i] <= room:
            room -= costs[i]
            best_value += values[i]
    # Front entries: cost -> (value, chosen indices as a tuple), Pareto-optimal.
    front: dict[int, tuple[int, tuple[int, ...]]] = {0: (0, ())}
    for position, i in enumerate(items):
        rest = [(costs[k], values[k]) for k in items[position + 1 :]]
        merged = dict(front)
        for cost, (value, chosen) in front.items():
            new_cost = cost + costs[i]
            if new_cost > budget:
                continue
            candidate = (value + values[i], (*chosen, i))
            current = merged.get(new_cost)
            if current is None or _better(candidate, current):
                merged[new_cost] = candidate
        pruned: dict[int, tuple[int, tuple[int, ...]]] = {}
        top = -1
        for cost in sorted(merged):
            value, chosen = merged[cost]
            best_value = max(best_value, value)
            if value <= top:
                continue  # dominated: costs more, scores no more
            top = value
            num, den = _upper_bound(value, budget - cost, rest)
            if num < best_value * den:
                continue
            pruned[cost] = (value, chosen)
        front = pruned
    optimum = max(value for value, _ in front.values())
    assert optimum >= best_value, "the optimal set is never pruned"
    winners = [(cost, tuple(sorted(chosen))) for cost, (value, chosen) in front.items() if value == optimum]
    winners.sort()
    return sorted(list(winners[0][1]) + free)


def _better(a: tuple[int, tuple[int, ...]], b: tuple[int, tuple[int, ...]]) -> bool:
    return a[0] > b[0] or (a[0] == b[0] and tuple(sorted(a[1])) < tuple(sorted(b[1])))


def utilitarian_optimum(election: Election) -> Allocation:
    """Fund the affordable set with the highest total score."""
    scores = project_scores(election)
    ids = election.project_ids
    costs = [p.cost for p in election.projects]
    chosen = set(best_subset(costs, [scores[pid] for pid in ids], election.budget))
    unit = score_unit(election.vote_type)
    order = [ids[i] for i in sorted(chosen, key=lambda i: (-scores[ids[i]], i))]
    total = sum(scores[pid] for pid in order)
    spent = sum(costs[i] for i in chosen)
    explanations: dict[str, Explanation] = {}
    for i, pid in enumerate(ids):
        cost, score = costs[i], scores[pid]
        if i in chosen:
            reason = (
                f"funded: part of the best affordable set ({counted(total, unit)} in all, "
                f"costs {money(spent)})"
            )
            explanations[pid] = Explanation(pid, True, cost, reason, score, order.index(pid) + 1)
        elif cost > election.budget:
            reason = f"costs more than the whole budget ({money(cost)} > {money(election.budget)})"
            explanations[pid] = Explanation(pid, False, cost, reason, score)
        else:
            reason = (
                f"not in the best affordable set ({counted(total, unit)}); "
                f"{money(election.budget - spent)} left, costs {money(cost)}"
            )
            explanations[pid] = Explanation(pid, False, cost, reason, score)
    costs_by_id = {p.project_id: p.cost for p in election.projects}
    return build_allocation("utilitarian-optimum", election.budget, order, costs_by_id, explanations)
