"""The election data model: projects with integer costs, ballots, budget, and their validation."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

VOTE_TYPES: tuple[str, ...] = ("approval", "choose-1", "ordinal", "cumulative", "scoring")
POINT_VOTE_TYPES: frozenset[str] = frozenset({"cumulative", "scoring"})
_NO_FIELDS: Mapping[str, str] = MappingProxyType({})


class ElectionError(ValueError):
    """An election that breaks the model: the reason says what and where (ballot index or project)."""


@dataclass(frozen=True, slots=True)
class Project:
    """A candidate: a unique id, a cost in integer money units, and any other PROJECTS columns."""

    project_id: str
    cost: int
    fields: Mapping[str, str] = field(default_factory=dict)


class Ballot(NamedTuple):
    """One voter's ballot.

    `projects` is the approved set (approval, choose-1), the ranking from most to least preferred
    (ordinal), or the projects given points (cumulative, scoring) with `points` aligned to them.
    `fields` keeps the other VOTES columns (age, sex, ...); it is read-only, and ballots read from a
    file with the same values there share one mapping.
    """

    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    voter_id: str = ""
    fields: Mapping[str, str] = _NO_FIELDS


@dataclass(frozen=True, slots=True)
class Election:
    """A participatory-budgeting election, valid by construction.

    `meta` keeps every other META key in order (rule, min_project_score_threshold, max_length ...).
    `source` names the file it was read from, if any. `ballots_checked` is set by the file reader,
    which checks every ballot as it reads it (to report the line); otherwise ballots are checked here.
    """

    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    budget: int
    vote_type: str = "approval"
    meta: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    ballots_checked: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.budget, int) or self.budget < 0:
            raise ElectionError(f"budget must be a non-negative integer, got {self.budget!r}")
        if self.vote_type not in VOTE_TYPES:
            raise ElectionError(f"unknown vote_type {self.vote_type!r}; valid: {', '.join(VOTE_TYPES)}")
        seen: set[str] = set()
        for project in self.projects:
            if project.project_id in seen:
                raise ElectionError(f"duplicate project id {project.project_id!r}")
            seen.add(project.project_id)
            if not isinstance(project.cost, int) or project.cost < 0:
                raise ElectionError(
                    f"project {project.project_id!r}: cost must be a non-negative integer,"
                    f" got {project.cost!r}"
                )
        if self.ballots_checked:
            return
        for index, ballot in enumerate(self.ballots):
            reason = ballot_problem(ballot, self.vote_type, seen)
            if reason is not None:
                raise ElectionError(f"ballot {index} ({ballot.voter_id or 'no id'}): {reason}")

    @property
    def project_ids(self) -> tuple[str, ...]:
        """Project ids in the order the election lists them."""
        return tuple(project.project_id for project in self.projects)

    @property
    def rule(self) -> str | None:
        """The rule named in META, if any."""
        return self.meta.get("rule")

    def cost_of(self) -> dict[str, int]:
        """Map each project id to its cost."""
        return {project.project_id: project.cost for project in self.projects}


def ballot_problem(ballot: Ballot, vote_type: str, known: Container[str]) -> str | None:
    """Say what is wrong with one ballot for this vote type, or None when it is valid."""
    chosen = ballot.projects
    if len(set(chosen)) != len(chosen):
        return "names a project more than once"
    for project_id in chosen:
        if project_id not in known:
            return f"vote for unknown project {project_id!r}"
    if vote_type == "choose-1" and len(chosen) > 1:
        return f"choose-1 ballot names {len(chosen)} projects"
    if vote_type in POINT_VOTE_TYPES:
        if ballot.points is None or len(ballot.points) != len(chosen):
            return "points must give one number per project in the vote"
        for value in ballot.points:
            if not isinstance(value, int) or isinstance(value, bool):
                return f"points must be integers, got {value!r}"
            if vote_type == "cumulative" and value < 0:
                return f"cumulative points must not be negative, got {value}"
    elif ballot.points is not None:
        return f"{vote_type} ballots carry no points"
    return None


def borda_weights(length: int) -> range:
    """Borda points of a ranking's positions, first to last: the first gets the length, the last 1.

    This is how Pabulib files fill their `score` column for ordinal ballots (checked on Kraków 2024,
    Rochester 2019 and Zurich S5R); pabutools' `Additive_Borda_Sat` gives one point less per rank.
    """
    return range(length, 0, -1)


def ballot_points(ballot: Ballot, vote_type: str) -> list[tuple[str, int]]:
    """The points a ballot gives each project it names (1 per approval, Borda for rankings)."""
    if vote_type in POINT_VOTE_TYPES:
        assert ballot.points is not None
        return list(zip(ballot.projects, ballot.points, strict=True))
    if vote_type == "ordinal":
        return list(zip(ballot.projects, borda_weights(len(ballot.projects)), strict=True))
    return [(p, 1) for p in ballot.projects]


def project_scores(election: Election) -> dict[str, int]:
    """Each project's score: approvals, Borda points or summed points, depending on the vote type."""
    scores = dict.fromkeys(election.project_ids, 0)
    vote_type = election.vote_type
    if vote_type in ("approval", "choose-1"):
        for ballot in election.ballots:
            for project_id in ballot.projects:
                scores[project_id] += 1
        return scores
    for ballot in election.ballots:
        for project_id, points in ballot_points(ballot, vote_type):
            scores[project_id] += points
    return scores


def project_supporters(election: Election) -> dict[str, int]:
    """How many ballots name each project (the Pabulib `votes` column)."""
    votes = dict.fromkeys(election.project_ids, 0)
    for ballot in election.ballots:
        for project_id in ballot.projects:
            votes[project_id] += 1
    return votes
