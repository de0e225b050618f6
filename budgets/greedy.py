"""Greedy rules: fund by score, skipping (or stopping at) what does not fit, with an optional threshold.

Tie-breaking: a higher score comes first; equal scores keep the order in which the election lists
the projects (the pabulib-checker reference does the same, and Pabulib files list projects by score).
Elections built in code choose their tie order through the order of `Election.projects`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from budgets.allocation import Allocation, Explanation, build_allocation, counted, money
from budgets.election import Election, Project, project_scores


def score_unit(vote_type: str) -> str:
    """What a score counts, in the singular: a vote for approval-style ballots, a point otherwise."""
    return "vote" if vote_type in ("approval", "choose-1") else "point"


def greedy_by_score(
    projects: Sequence[Project],
    scores: Mapping[str, int],
    budget: int,
    *,
    threshold: int = 0,
    skip: bool = True,
    rule: str = "greedy",
    unit: str = "vote",
) -> Allocation:
    """Fund projects in order of score while money lasts.

    With `skip` a project that does not fit is passed over and cheaper ones below it may still be
    funded; without it (greedy-no-skip) the rule stops at the first project that does not fit.
    Projects scoring below `threshold` are never funded.
    """
    order = sorted(range(len(projects)), key=lambda index: -scores[projects[index].project_id])
    left = budget
    chosen: list[str] = []
    explanations: dict[str, Explanation] = {}
    stopped_at: Project | None = None
    for rank, index in enumerate(order, start=1):
        project = projects[index]
        pid, cost, score = project.project_id, project.cost, scores[project.project_id]
        shown = f"{counted(score, unit)}, #{rank} by score"
        if score < threshold:
            reason = f"below the threshold of {counted(threshold, unit)} (has {money(score)})"
            explanations[pid] = Explanation(pid, False, cost, reason, score, left=left)
        elif stopped_at is not None:
            reason = f"not considered: {rule} stopped at {stopped_at.project_id}, which did not fit ({shown})"
            explanations[pid] = Explanation(pid, False, cost, reason, score, left=left)
        elif cost <= left:
            chosen.append(pid)
            reason = f"funded ({shown}): {money(left)} left, costs {money(cost)}"
            explanations[pid] = Explanation(pid, True, cost, reason, score, len(chosen), left=left)
            left -= cost
        else:
            reason = f"did not fit: {money(left)} left, costs {money(cost)} ({shown})"
            explanations[pid] = Explanation(pid, False, cost, reason, score, left=left)
            if not skip:
                stopped_at = project
    costs = {project.project_id: project.cost for project in projects}
    return build_allocation(rule, budget, chosen, costs, explanations)


def meta_threshold(election: Election) -> int:
    """The file's `min_project_score_threshold`, or 0 when it sets none."""
    value = election.meta.get("min_project_score_threshold", "").strip()
    return int(float(value)) if value else 0


def greedy(election: Election) -> Allocation:
    """Greedy by score, skipping projects that do not fit."""
    scores = project_scores(election)
    unit = score_unit(election.vote_type)
    return greedy_by_score(election.projects, scores, election.budget, unit=unit)


def greedy_no_skip(election: Election) -> Allocation:
    """Greedy by score that stops at the first project that does not fit."""
    scores = project_scores(election)
    unit = score_unit(election.vote_type)
    return greedy_by_score(
        election.projects, scores, election.budget, skip=False, rule="greedy-no-skip", unit=unit
    )


def greedy_threshold(election: Election, threshold: int | None = None) -> Allocation:
    """Greedy by score among projects reaching `threshold` (default: the file's META threshold)."""
    scores = project_scores(election)
    limit = meta_threshold(election) if threshold is None else threshold
    unit = score_unit(election.vote_type)
    return greedy_by_score(
        election.projects, scores, election.budget, threshold=limit, rule="greedy-threshold", unit=unit
    )
