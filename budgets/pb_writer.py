"""Writing an Election (read from a file or built in code) as a Pabulib `.pb` file.

Counts (num_projects, num_votes) and the `votes` / `score` columns are recomputed from the ballots,
columns follow Pabulib's canonical order, and fields with `;` or `"` are quoted. The descriptive
META keys Pabulib requires (description, country, unit, instance, date_begin, date_end) come from
`election.meta`; give them when building an election in code if the file is to pass pabulib-checker.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from pathlib import Path

from budgets.allocation import Allocation
from budgets.election import POINT_VOTE_TYPES, Election, project_scores, project_supporters

META_ORDER = (
    "description",
    "country",
    "unit",
    "district",
    "subunit",
    "instance",
    "num_projects",
    "num_votes",
    "budget",
    "vote_type",
    "rule",
    "date_begin",
    "date_end",
    "min_length",
    "max_length",
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
    "default_score",
    "min_project_cost",
    "max_project_cost",
    "min_project_score_threshold",
    "neighborhoods",
    "subdistricts",
    "categories",
    "edition",
    "language",
    "currency",
    "fully_funded",
    "experimental",
    "comment",
    "acknowledgments",
    "leftover_budget",
    "budget_per_category",
    "budget_per_neighborhood",
    "min_length_per_category",
    "max_length_per_category",
    "min_sum_cost_per_category",
    "max_sum_cost_per_category",
)
PROJECT_ORDER = (
    "project_id",
    "cost",
    "votes",
    "score",
    "name",
    "category",
    "beneficiaries",
    "selected",
    "neighborhood",
    "subunit",
    "district",
    "description",
    "proposer",
    "public_id",
    "latitude",
    "longitude",
)
VOTE_ORDER = (
    "voter_id",
    "vote",
    "points",
    "age",
    "sex",
    "voting_method",
    "district",
    "neighborhood",
    "education",
    "topic_preference_transport",
    "topic_preference_culture",
    "topic_preference_nature",
    "district_preference",
    "time_taken_seconds",
    "format_easiness",
    "format_expressiveness",
    "format_rank",
)
# Rules pabulib-checker knows; others are written as "unknown" with the engine's name in a comment.
PABULIB_RULES = frozenset(
    {
        "greedy",
        "greedy-no-skip",
        "greedy-threshold",
        "equalshares",
        "equalshares/add1",
        "equalshares/add1-comparison",
        "unknown",
    }
)


def _ordered(names: Collection[str], canonical: tuple[str, ...]) -> list[str]:
    known = [name for name in canonical if name in names]
    return known + [name for name in names if name not in canonical]


def dumps_pb(
    election: Election, *, selected: Collection[str] | None = None, allocation: Allocation | None = None
) -> str:
    """The `.pb` text of an election; `selected` (or an `allocation`) fills the `selected` column."""
    if allocation is not None:
        selected = allocation.selected
    meta = dict(election.meta)
    meta["num_projects"] = str(len(election.projects))
    meta["num_votes"] = str(len(election.ballots))
    meta["budget"] = str(election.budget)
    meta["vote_type"] = election.vote_type
    if allocation is not None:
        meta["rule"] = allocation.rule if allocation.rule in PABULIB_RULES else "unknown"
    meta.setdefault("rule", "unknown")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    out.write("META\n")
    writer.writerow(["key", "value"])
    for key in _ordered(meta, META_ORDER):
        writer.writerow([key, meta[key]])
    _write_projects(writer, out, election, selected)
    _write_votes(writer, out, election)
    return out.getvalue()


def _write_projects(
    writer: object, out: io.StringIO, election: Election, selected: Collection[str] | None
) -> None:
    assert hasattr(writer, "writerow")
    votes = project_supporters(election)
    scores = (
        project_scores(election)
        if election.vote_type != "approval" and election.vote_type != "choose-1"
        else None
    )
    extra: list[str] = []
    for project in election.projects:
        extra.extend(name for name in project.fields if name not in extra)
    names = {"project_id", "cost", "votes", *extra}
    names.discard("score")
    if scores is not None:
        names.add("score")
    if selected is not None:
        names.add("selected")
    columns = _ordered(names, PROJECT_ORDER)
    chosen = set(selected) if selected is not None else set()
    out.write("PROJECTS\n")
    writer.writerow(columns)
    for project in election.projects:
        pid = project.project_id
        computed = {"project_id": pid, "cost": str(project.cost), "votes": str(votes[pid])}
        if scores is not None:
            computed["score"] = str(scores[pid])
        if selected is not None:
            computed["selected"] = "1" if pid in chosen else "0"
        writer.writerow([computed.get(name, project.fields.get(name, "")) for name in columns])


def _write_votes(writer: object, out: io.StringIO, election: Election) -> None:
    assert hasattr(writer, "writerow")
    extra: list[str] = []
    for ballot in election.ballots[:1000]:
        extra.extend(name for name in ballot.fields if name not in extra)
    names = {"voter_id", "vote", *extra}
    with_points = election.vote_type in POINT_VOTE_TYPES
    if with_points:
        names.add("points")
    columns = _ordered(names, VOTE_ORDER)
    out.write("VOTES\n")
    writer.writerow(columns)
    for number, ballot in enumerate(election.ballots, start=1):
        row = {"voter_id": ballot.voter_id or str(number), "vote": ",".join(ballot.projects)}
        if with_points and ballot.points is not None:
            row["points"] = ",".join(str(p) for p in ballot.points)
        writer.writerow([row.get(name, ballot.fields.get(name, "")) for name in columns])


def write_pb(
    election: Election,
    path: str | Path,
    *,
    selected: Collection[str] | None = None,
    allocation: Allocation | None = None,
) -> None:
    """Write an election to `path` as a `.pb` file (UTF-8); see dumps_pb for `selected`/`allocation`."""
    text = dumps_pb(election, selected=selected, allocation=allocation)
    Path(path).write_text(text, encoding="utf-8")
