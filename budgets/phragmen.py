"""Sequential Phragmén for participatory budgeting, in exact rationals on voter types.

Voters earn money continuously; a project is bought as soon as its supporters together can pay
for it, which spreads its cost so that every supporter ends at the same load. Each round funds the
project whose supporters would reach the lowest maximal load, (sum of their loads + cost) /
supporters. The rule stops when that project (or any project tied with it) no longer fits the
budget, as in pabutools. Ballots that are not approval ballots count as approving every project
they give a positive weight. Projects nobody supports are never funded; projects costing more
than the whole budget are set aside from the start.
Ties: lower cost, then more supporters, then the earlier listed project.
"""

from __future__ import annotations

import heapq
from collections import Counter
from fractions import Fraction

from budgets.allocation import Allocation, Explanation, build_allocation, counted, money
from budgets.election import Election
from budgets.voter_types import voter_types


def phragmen(election: Election) -> Allocation:
    """Sequential Phragmén with the budget limit of the election."""
    types = voter_types(election, cardinality=True)
    projects = election.projects
    costs = [p.cost for p in projects]
    supporters = [types.supporter_count(j) for j in range(len(projects))]
    voters_of = [
        tuple(t for t in types.supporters[j] for _ in range(types.multiplicity[t]))
        for j in range(len(projects))
    ]
    # All supporters of a funded project end at the same load, so loads form one class per round.
    load_of_class = [Fraction(0)]
    type_class = [0] * len(types.multiplicity)

    def next_load(j: int) -> Fraction:
        counts = Counter(map(type_class.__getitem__, voters_of[j]))
        total = sum((load_of_class[c] * n for c, n in counts.items()), Fraction(costs[j]))
        return total / supporters[j]

    # Loads only grow, so a value computed in an earlier round is a lower bound (lazy evaluation).
    heap = [
        (Fraction(costs[j], supporters[j]), costs[j], -supporters[j], j, 0)
        for j in range(len(projects))
        if supporters[j] > 0 and costs[j] <= election.budget
    ]
    heapq.heapify(heap)
    left = election.budget
    order: list[str] = []
    explanations: dict[str, Explanation] = {}
    round_no = 0
    stop_reason = ""
    while heap:
        round_no += 1
        tied: list[tuple[Fraction, int, int, int, int]] = []
        while heap and (not tied or heap[0][0] <= tied[0][0]):
            entry = heapq.heappop(heap)
            if entry[4] != round_no:
                heapq.heappush(heap, (next_load(entry[3]), *entry[1:4], round_no))
            elif not tied or entry[0] == tied[0][0]:
                tied.append(entry)
        lowest = tied[0][0]
        blocked = [entry[3] for entry in tied if costs[entry[3]] > left]
        if blocked:
            j = blocked[0]
            stop_reason = (
                f"Phragmén stopped in round {round_no}: {projects[j].project_id}, next at load "
                f"{float(lowest):.6g}, did not fit ({money(left)} left, costs {money(costs[j])})"
            )
            break
        chosen = tied[0][3]
        for entry in tied[1:]:
            heapq.heappush(heap, entry)
        pid = projects[chosen].project_id
        order.append(pid)
        reason = (
            f"funded in round {round_no}: the load of its {counted(supporters[chosen], 'supporter')} rose to "
            f"{float(lowest):.6g} ({money(left)} left, costs {money(costs[chosen])})"
        )
        explanations[pid] = Explanation(
            pid, True, costs[chosen], reason, supporters[chosen], len(order), round_no, load=lowest, left=left
        )
        left -= costs[chosen]
        load_of_class.append(lowest)
        new_class = len(load_of_class) - 1
        for t in types.supporters[chosen]:
            type_class[t] = new_class
    for j, project in enumerate(projects):
        pid = project.project_id
        if pid in explanations:
            continue
        if supporters[j] == 0:
            reason = "no voter supports it"
        elif costs[j] > election.budget:
            reason = f"costs more than the whole budget ({money(costs[j])} > {money(election.budget)})"
        else:
            reason = f"not funded: {stop_reason}" if stop_reason else "not funded"
        explanations[pid] = Explanation(pid, False, project.cost, reason, supporters[j], left=left)
    costs_by_id = {p.project_id: p.cost for p in projects}
    return build_allocation("phragmen", election.budget, order, costs_by_id, explanations)
