"""A slow, direct transcription of equalshares.net's Equal Shares with add1 options, for tests only.

Cost utilities, exact fractions, one voter at a time; ties by lower cost, more supporters, then
the earlier project (the engine's tie-breaking; the tool stops on ties it cannot break).
"""

from __future__ import annotations

from fractions import Fraction

from budgets import Election


def mes(election: Election, per_voter: Fraction) -> list[str]:
    """Plain MES with every voter holding `per_voter`."""
    ids = election.project_ids
    cost = election.cost_of()
    approvers = {pid: [i for i, b in enumerate(election.ballots) if pid in b.projects] for pid in ids}
    budget = [per_voter] * len(election.ballots)
    remaining = [pid for pid in ids if cost[pid] > 0 and approvers[pid]]
    winners: list[str] = []
    while True:
        best: tuple[Fraction, int, int, int, str] | None = None
        for pid in list(remaining):
            if sum(budget[i] for i in approvers[pid]) < cost[pid]:
                remaining.remove(pid)
                continue
            payers = sorted(approvers[pid], key=lambda i: budget[i])
            paid, left = Fraction(0), len(payers)
            for i in payers:
                share = (cost[pid] - paid) / left
                if share > budget[i]:
                    paid += budget[i]
                    left -= 1
                    continue
                key = (share / cost[pid], cost[pid], -len(payers), ids.index(pid), pid)
                if best is None or key < best:
                    best = key
                break
        if best is None:
            return winners
        pid = best[4]
        share = best[0] * cost[pid]
        for i in approvers[pid]:
            budget[i] = max(budget[i] - share, Fraction(0))
        winners.append(pid)
        remaining.remove(pid)


def add1(election: Election, *, exhaustive: bool, utilitarian: bool) -> list[str]:
    """The tool's add1 (integral start, step 1), its exhaustive stop, and its utilitarian completion."""
    n, total = len(election.ballots), election.budget
    cost = election.cost_of()
    if sum(cost.values()) <= total:
        winners = mes(election, Fraction(total, n))
    else:
        level = total // n
        winners = mes(election, Fraction(level))
        while True:
            spent = sum(cost[p] for p in winners)
            if exhaustive and all(spent + cost[p] > total for p in cost if p not in winners):
                break
            if len(winners) == sum(
                1 for p in cost if cost[p] > 0 and any(p in b.projects for b in election.ballots)
            ):
                break  # every supported project is funded: more money changes nothing
            trial = mes(election, Fraction(level + 1))
            if sum(cost[p] for p in trial) > total:
                break
            level, winners = level + 1, trial
    if utilitarian:
        votes = {pid: sum(pid in b.projects for b in election.ballots) for pid in cost}
        spent = sum(cost[p] for p in winners)
        for pid in sorted(cost, key=lambda p: -votes[p]):
            if pid not in winners and spent + cost[pid] <= total:
                winners.append(pid)
                spent += cost[pid]
    return winners
