"""What each voter paid for each project Equal Shares funded, exactly, replayed from a MES run."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from fractions import Fraction

from budgets.election import Election, ballot_points
from budgets.mes_problem import MesOutcome, MesProblem

Payments = Mapping[str, Mapping[str, Fraction]]


def voter_key(election: Election, index: int) -> str:
    """How payments name a voter: the ballot's voter id, or its position ("#3") when it has none."""
    voter_id = election.ballots[index].voter_id
    return voter_id or f"#{index}"


def type_of_ballots(election: Election, problem: MesProblem) -> list[int]:
    """Each ballot's voter type in `problem.types` (-1 for a ballot that supports nothing)."""
    types = problem.types
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    if types.weights is None:
        known: dict[object, int] = {projects: t for t, projects in enumerate(types.projects)}
    else:
        known = {
            tuple(zip(projects, weights, strict=True)): t
            for t, (projects, weights) in enumerate(zip(types.projects, types.weights, strict=True))
        }
    found = []
    for ballot in election.ballots:
        pairs = [(index[pid], w) for pid, w in ballot_points(ballot, election.vote_type) if w > 0]
        key: object = tuple(sorted(p for p, _ in pairs)) if types.weights is None else tuple(sorted(pairs))
        found.append(known.get(key, -1))
    return found


def mes_payments(
    election: Election, problem: MesProblem, outcome: MesOutcome, per_voter: Fraction
) -> Payments:
    """Replay the purchases: each supporter pays min(what they hold, price x weight), as MES does.

    Returns {voter: {project id: amount}} for voters who paid anything; amounts are exact and the
    payments for each project bought in a round add up to its cost.
    """
    types = problem.types
    held = [per_voter] * len(types.multiplicity)
    paid: list[dict[int, Fraction]] = [{} for _ in types.multiplicity]
    for p in outcome.bought:
        if outcome.round_of[p] == 0:
            continue  # free projects are bought before the first round and cost nobody anything
        price = outcome.price[p]
        # Types that paid for the same projects hold the very same Fraction object, so one
        # payment and one new budget per (budget object, weight) serve them all.
        # Each move keeps the old budget alive, so no id is reused within the round.
        moves: dict[tuple[int, int], tuple[Fraction, Fraction, Fraction]] = {}
        for t in types.supporters[p]:
            weight = 1 if problem.unit else types.weight(t, p)
            key = (id(held[t]), weight)
            move = moves.get(key)
            if move is None:
                amount = min(held[t], price * weight)
                move = moves[key] = (held[t], amount, held[t] - amount)
            if move[1]:
                held[t] = move[2]
                paid[t][p] = move[1]
    ids = election.project_ids
    result: dict[str, dict[str, Fraction]] = {}
    for i, t in enumerate(type_of_ballots(election, problem)):
        if t >= 0 and paid[t]:
            result[voter_key(election, i)] = {ids[p]: amount for p, amount in paid[t].items()}
    return result


class LazyPayments(Mapping[str, Mapping[str, Fraction]]):
    """Payments computed on first use: replaying them costs several MES runs on a large city."""

    def __init__(self, compute: Callable[[], Payments]) -> None:
        self._compute: Callable[[], Payments] | None = compute
        self._data: Payments = {}

    def _loaded(self) -> Payments:
        if self._compute is not None:
            self._data, self._compute = self._compute(), None
        return self._data

    def __getitem__(self, voter: str) -> Mapping[str, Fraction]:
        return self._loaded()[voter]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())
