"""Equal Shares rules say what each voter paid: exact amounts that add up to each project's cost."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import Allocation, Ballot, Election, Project, allocate
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election
from tests.budgets.test_add1_jumping import elections

MES_RULES = ("equalshares", "equalshares-cardinality", "equalshares/add1")


def per_project(allocation: Allocation) -> dict[str, Fraction]:
    totals: dict[str, Fraction] = defaultdict(Fraction)
    for paid in allocation.payments.values():
        for pid, amount in paid.items():
            totals[pid] += amount
    return dict(totals)


def assert_payments_cover_costs(
    election: Election, allocation: Allocation, per_voter: Fraction | None = None
) -> None:
    costs = election.cost_of()
    # Projects MES bought in a round; free ones (round 0) and greedy-filled ones (no round) cost no one.
    bought = {pid for pid, item in allocation.explanations.items() if item.funded and item.round}
    totals = per_project(allocation)
    assert set(totals) == bought
    for pid, total in totals.items():
        assert total == costs[pid], pid
    supporters = {pid: set() for pid in costs}
    for i, ballot in enumerate(election.ballots):
        for pid in ballot.projects:
            supporters[pid].add(ballot.voter_id or f"#{i}")
    for voter, paid in allocation.payments.items():
        assert per_voter is None or sum(paid.values()) <= per_voter
        assert all(amount > 0 and voter in supporters[pid] for pid, amount in paid.items())


def test_payments_on_a_small_election() -> None:
    projects = (Project("a", 60), Project("b", 30))
    ballots = (
        Ballot(("a",), voter_id="v1"),
        Ballot(("a", "b"), voter_id="v2"),
        Ballot(("b",), voter_id="v3"),
    )
    outcome = allocate(Election(projects, ballots, 90), "equalshares")
    # Both have rho 1/2; the cheaper b wins the tie: v2 and v3 pay 15 each; a is then unaffordable.
    assert outcome.selected == ("b",)
    assert outcome.payments == {"v2": {"b": Fraction(15)}, "v3": {"b": Fraction(15)}}


@RANDOM_ELECTIONS
@given(elections(), st.sampled_from(MES_RULES))
def test_payments_add_up_to_the_costs_on_random_elections(election: Election, rule: str) -> None:
    outcome = allocate(election, rule)
    # add1 raises the per-voter budget, so only pure MES is held to budget / voters.
    per_voter = None if rule == "equalshares/add1" else Fraction(election.budget, len(election.ballots))
    assert_payments_cover_costs(election, outcome, per_voter)


@pytest.mark.parametrize(
    "name", ["Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb", "Switzerland_Zurich_S5R.pb"]
)
def test_payments_add_up_to_the_costs_on_real_files(name: str) -> None:
    election = load_election(name)
    for rule in (*MES_RULES, "equalshares/add1/greedy"):
        outcome = allocate(election, rule)
        assert_payments_cover_costs(election, outcome)
