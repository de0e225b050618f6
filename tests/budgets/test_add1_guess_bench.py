"""The perfect-guess benchmark's walk: a search that knew where add1's outcome changes."""

from __future__ import annotations

from bench.add1_guess_bench import Walker, stretches
from budgets.add1 import add1_stepping
from budgets.add1_jumping import add1_jumping
from budgets.equal_shares import mes_problem
from tests.budgets.pabulib_files import load_election


def test_a_search_that_knew_the_changes_needs_between_one_run_a_stretch_and_one_a_level() -> None:
    election = load_election("US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb")
    problem = mes_problem(election)
    voters, budget = len(election.ballots), election.budget
    found = stretches(problem, voters, budget)
    stepping = add1_stepping(problem, voters, budget)
    # Stepping runs every accepted level and one more, which passes the budget.
    assert sum(levels for _, _, levels in found) == stepping.runs - 1
    assert found[-1][1] == stepping.per_voter
    walker = Walker(problem, budget, found[0][0])
    runs = [walker.walk(first, last) for first, last, _ in found]
    # A stretch of one level takes its plain run; a longer one that and at least one run more.
    assert all(min(levels, 2) <= made <= levels for made, (_, _, levels) in zip(runs, found, strict=True))
    # Five stretches over 56 levels: certified jumps cover most of each, and knowing where the
    # outcome changes saves most of the jumping search's runs.
    assert len(found) == 5
    assert sum(runs) < add1_jumping(problem, voters, budget).runs // 2
