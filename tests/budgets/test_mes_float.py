"""The float run of MES (budgets.mes_float) buys what the exact engine buys, or says it cannot tell.

Whatever it returns must be the exact run's purchases, in order, with the same spending and the
same stop at the cost limit; where floats cannot prove a decision it must return None.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import Ballot, Election, Project
from budgets.equal_shares import mes_problem
from budgets.mes_engine import MesProblem, run_mes
from budgets.mes_float import FloatOutcome, run_mes_float
from budgets.mes_prefix import PrefixTrie
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election
from tests.budgets.test_add1_jumping import elections


def _float_and_exact(
    problem: MesProblem, per_voter: Fraction, limit: int | None, trie: PrefixTrie
) -> FloatOutcome | None:
    found = run_mes_float(problem, per_voter, trie, limit)
    exact = run_mes(problem, per_voter, cost_limit=limit)
    if found is not None:
        assert found.bought == exact.bought
        assert found.spent == exact.spent
        assert found.over_limit == exact.over_limit
    return found


@RANDOM_ELECTIONS
@given(elections(), st.lists(st.integers(0, 60), min_size=1, max_size=6), st.booleans())
def test_float_run_buys_what_the_exact_run_buys(election: Election, raises: list[int], limited: bool) -> None:
    problem = mes_problem(election)
    trie = PrefixTrie(problem)
    start = Fraction(election.budget, len(election.ballots))
    limit = election.budget if limited else None
    for per_voter in [start, *(start + r for r in raises)]:
        _float_and_exact(problem, per_voter, limit, trie)


@pytest.mark.parametrize(
    "name",
    ["Netherlands_Amsterdam_252.pb", "Poland_Warszawa_2023_Zoliborz.pb", "Poland_Warszawa_2023_Ursynow.pb"],
)
def test_float_run_answers_on_cities_with_many_budget_classes(name: str) -> None:
    # These are the files add1 runs in floats (tens of thousands of classes); every level answers.
    election = load_election(name)
    problem = mes_problem(election)
    trie = PrefixTrie(problem)
    first = election.budget // len(election.ballots)
    for level in (first, first + 1, first + 2, first + 9, first + 40):
        assert _float_and_exact(problem, Fraction(level), election.budget, trie) is not None


def test_supporters_holding_exactly_the_cost_is_left_to_the_exact_engine() -> None:
    # Two voters with 50 each and a project costing 100: only exact arithmetic can say it is affordable.
    election = Election((Project("a", 100),), (Ballot(("a",)), Ballot(("a",))), 100)
    problem = mes_problem(election)
    assert run_mes_float(problem, Fraction(50), PrefixTrie(problem)) is None
    assert run_mes(problem, Fraction(50)).bought == [0]


def test_an_exact_tie_is_settled_by_the_tie_break() -> None:
    # Under cost utilities both projects have rho 1/2 when nobody pays all they hold: the cheaper wins.
    projects = (Project("dear", 20), Project("cheap", 10))
    ballots = (Ballot(("dear",)), Ballot(("dear",)), Ballot(("cheap",)), Ballot(("cheap",)))
    problem = mes_problem(Election(projects, ballots, 400))
    found = run_mes_float(problem, Fraction(100), PrefixTrie(problem))
    assert found is not None
    assert found.bought == [1, 0] == run_mes(problem, Fraction(100)).bought


def test_costs_beyond_whole_floats_are_left_to_the_exact_engine() -> None:
    election = Election((Project("a", 2**60),), (Ballot(("a",)),), 2**61)
    problem = mes_problem(election)
    assert run_mes_float(problem, Fraction(2**61), PrefixTrie(problem)) is None
    assert run_mes(problem, Fraction(2**61)).bought == [0]
