"""Voter types: identical ballots merged with a multiplicity, and per-project weights for MES and Phragmén."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from budgets.election import Election, ballot_points


@dataclass(frozen=True, slots=True)
class VoterTypes:
    """Distinct ballots as sorted project indices, with integer weights and how many voters cast each.

    Voters who cast the same ballot always hold the same remaining budget in MES and the same load
    in Phragmén, so the rules work on types instead of voters. `weights` is None when every weight
    is 1 (approval ballots, or cardinality utilities).
    """

    multiplicity: tuple[int, ...]
    projects: tuple[tuple[int, ...], ...]
    weights: tuple[tuple[int, ...], ...] | None
    supporters: tuple[tuple[int, ...], ...]
    voters: int

    def weight(self, t: int, project: int) -> int:
        """The weight type t gives a project it supports."""
        if self.weights is None:
            return 1
        return self.weights[t][self.projects[t].index(project)]

    def supporter_count(self, project: int) -> int:
        """How many voters give the project a positive weight."""
        return sum(self.multiplicity[t] for t in self.supporters[project])


def voter_types(election: Election, *, cardinality: bool = False) -> VoterTypes:
    """Group identical ballots. Weights: 1 per approval, Borda points for rankings, points otherwise.

    With `cardinality` every supported project weighs 1 whatever the ballot type. Projects given
    zero points are left out (they bring no satisfaction); empty ballots form no type.
    """
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    vote_type = election.vote_type
    multiplicity: list[int]
    projects: list[tuple[int, ...]]
    weights: list[tuple[int, ...]] | None = None
    if vote_type in ("approval", "choose-1") or cardinality:
        # Same set in any order is one type: count the written tuples first, then merge sorted forms.
        raw: Counter[tuple[str, ...]] = Counter(b.projects for b in election.ballots)
        sets: Counter[tuple[int, ...]] = Counter()
        for chosen, many in raw.items():
            if vote_type in ("cumulative", "scoring"):
                continue
            sets[tuple(sorted(map(index.__getitem__, chosen)))] += many
        if vote_type in ("cumulative", "scoring"):
            for ballot in election.ballots:
                assert ballot.points is not None
                chosen_ids = [index[p] for p, w in zip(ballot.projects, ballot.points, strict=True) if w > 0]
                sets[tuple(sorted(chosen_ids))] += 1
        sets.pop((), None)
        projects = list(sets)
        multiplicity = list(sets.values())
    else:
        pairs_count: Counter[tuple[tuple[int, int], ...]] = Counter()
        for ballot in election.ballots:
            pairs = ballot_points(ballot, vote_type)
            pairs_count[tuple(sorted((index[pid], w) for pid, w in pairs if w > 0))] += 1
        pairs_count.pop((), None)
        projects = [tuple(p for p, _ in key) for key in pairs_count]
        weights = [tuple(w for _, w in key) for key in pairs_count]
        multiplicity = list(pairs_count.values())
    supporters: list[list[int]] = [[] for _ in election.projects]
    for t, indices in enumerate(projects):
        for p in indices:
            supporters[p].append(t)
    return VoterTypes(
        tuple(multiplicity),
        tuple(projects),
        None if weights is None else tuple(weights),
        tuple(tuple(s) for s in supporters),
        len(election.ballots),
    )
