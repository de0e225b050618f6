"""The add-opt step count's walk is add-opt's own: as many steps as the completion's accepted runs."""

from __future__ import annotations

from bench.ees_steps import walk
from budgets.exact_equal_shares import add_opt, ees_problem
from tests.budgets.pabulib_files import load_election, pabulib_path

FILE = "US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb"


def test_the_walk_takes_add_opts_steps_and_sorts_each_once() -> None:
    election = load_election(FILE)
    found = add_opt(ees_problem(election), len(election.ballots), election.budget)
    kinds = walk(str(pabulib_path(FILE)))

    # add-opt's runs: the first, one per accepted step, and the one over the budget when it stopped so.
    over_budget = "would cost more than the budget" in found.note
    assert kinds.steps == found.runs - 1 - over_budget
    assert kinds.steps > 0
    assert kinds.set_changed + kinds.order_kept <= kinds.steps  # a kept order keeps the set
    assert len(kinds.first_changed_round) == len(kinds.rounds) == kinds.steps
    assert all(
        1 <= first <= rounds + 1
        for first, rounds in zip(kinds.first_changed_round, kinds.rounds, strict=True)
    )
    # Each step runs or replays at least the round that changes; the first run is run in full.
    assert kinds.rounds_run > 0
    assert kinds.rounds_run + kinds.rounds_replayed >= kinds.steps
