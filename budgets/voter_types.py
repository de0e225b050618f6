"""Voter types: identical ballots merged with a multiplicity, and per-project weights for MES and Phragmén."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress, repeat
from operator import attrgetter, gt, itemgetter
from typing import TypeVar

from budgets.election import Election, borda_weights

_Key = TypeVar("_Key", tuple[int, ...], tuple[tuple[int, int], ...])


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
        return sum(map(self.multiplicity.__getitem__, self.supporters[project]))


def voter_types(election: Election, *, cardinality: bool = False) -> VoterTypes:
    """Group identical ballots. Weights: 1 per approval, Borda points for rankings, points otherwise.

    With `cardinality` every supported project weighs 1 whatever the ballot type. Projects given
    zero points are left out (they bring no satisfaction); empty ballots form no type. Types are
    numbered in the order of their first ballot.
    """
    index = {pid: i for i, pid in enumerate(election.project_ids)}
    vote_type = election.vote_type
    ballots = election.ballots
    # Many voters write the very same ballot: each written ballot is turned into a type once.
    if vote_type in ("approval", "choose-1") or (vote_type == "ordinal" and cardinality):
        written = Counter(map(attrgetter("projects"), ballots))
        sorted_indices = map(tuple, map(sorted, map(partial(map, index.__getitem__), written)))
        return _voter_types(_merge(sorted_indices, written.values()), len(index), len(ballots))
    weighted_keys: Iterator[tuple[tuple[int, int], ...]]
    if vote_type == "ordinal":
        written = Counter(map(attrgetter("projects"), ballots))
        weighted_keys = (_ranking_key(projects, index) for projects in written)
    else:
        written = Counter(map(attrgetter("projects", "points"), ballots))
        weighted_keys = (_weighted_key(projects, points, index) for projects, points in written)
    weighted = _merge(weighted_keys, written.values())
    if cardinality:
        supported = _merge((tuple(map(itemgetter(0), key)) for key in weighted), weighted.values())
        return _voter_types(supported, len(index), len(ballots))
    projects_and_weights = [tuple(zip(*key, strict=True)) for key in weighted]
    projects = list(map(itemgetter(0), projects_and_weights))
    return VoterTypes(
        tuple(weighted.values()),
        tuple(projects),
        tuple(map(itemgetter(1), projects_and_weights)),
        _supporters(projects, len(index)),
        len(ballots),
    )


def _weighted_key(
    projects: tuple[str, ...], weights: Sequence[int], index: dict[str, int]
) -> tuple[tuple[int, int], ...]:
    """A ballot's (project index, weight) pairs of positive weight, by project index."""
    pairs = zip(map(index.__getitem__, projects), weights, strict=True)
    return tuple(sorted(compress(pairs, map(gt, weights, repeat(0)))))


def _ranking_key(projects: tuple[str, ...], index: dict[str, int]) -> tuple[tuple[int, int], ...]:
    """A ranking's (project index, Borda points) pairs by project index (Borda points are all positive)."""
    return tuple(sorted(zip(map(index.__getitem__, projects), borda_weights(len(projects)), strict=True)))


def _merge(keys: Iterable[_Key], counts: Iterable[int]) -> dict[_Key, int]:
    """Add up the counts of equal keys, in the order keys first appear; the empty key is dropped."""
    merged: dict[_Key, int] = {}
    get = merged.get
    for key, many in zip(keys, counts, strict=True):
        merged[key] = get(key, 0) + many
    merged.pop((), None)
    return merged


def _supporters(projects: list[tuple[int, ...]], project_count: int) -> tuple[tuple[int, ...], ...]:
    """For each project, the types that support it, in type order."""
    supporters: list[list[int]] = [[] for _ in range(project_count)]
    add_to = [found.append for found in supporters]
    for t, indices in enumerate(projects):
        for p in indices:
            add_to[p](t)
    return tuple(map(tuple, supporters))


def _voter_types(counts: dict[tuple[int, ...], int], project_count: int, voters: int) -> VoterTypes:
    """Unit-weight types from each supported set of project indices and how many voters hold it."""
    projects = list(counts)
    return VoterTypes(
        tuple(counts.values()), tuple(projects), None, _supporters(projects, project_count), voters
    )
