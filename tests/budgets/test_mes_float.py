"""The float run of MES (budgets.mes_float) buys what the exact engine buys, or says it cannot tell.

Whatever it returns must be the exact run's purchases, in order, with the same spending and the
same stop at the cost limit; where floats cannot prove a decision it must return None.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from budgets import Ballot, Election, Project, mes_float_loops
from budgets.equal_shares import mes_problem
from budgets.mes_engine import MesProblem, run_mes
from budgets.mes_float import FloatOutcome, run_mes_float
from budgets.mes_float_classes import Price, Unsure, bracket
from budgets.mes_prefix import PrefixTrie
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election
from tests.budgets.test_add1_jumping import elections, far_apart_groups


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


@RANDOM_ELECTIONS
@given(elections(), st.integers(0, 40), st.integers(1, 40))
def test_a_certified_float_run_proves_every_level_between_repeats_the_purchases(
    election: Election, raised: int, jump: int
) -> None:
    problem = mes_problem(election)
    trie = PrefixTrie(problem)
    low = Fraction(election.budget, len(election.ballots)) + raised
    lower = run_mes_float(problem, low, trie)
    assume(lower is not None)
    assert lower is not None
    upper = run_mes_float(problem, low + jump, trie, certify=lower)
    if upper is not None and upper.certified:
        assert upper.bought == lower.bought
        for level in range(jump + 1):
            assert run_mes(problem, low + level).bought == lower.bought


def test_a_float_certificate_holds_up_to_the_budget_where_the_outcome_changes() -> None:
    problem = mes_problem(far_apart_groups())
    trie = PrefixTrie(problem)
    lower = run_mes_float(problem, Fraction(250), trie)
    assert lower is not None
    assert lower.bought == [0]
    for level in (300, 499):
        upper = run_mes_float(problem, Fraction(level), trie, certify=lower)
        assert upper is not None
        assert upper.certified
    # From 500 on "b" is bought too, so no run there may certify the range.
    assert run_mes(problem, Fraction(501)).bought == [0, 1]
    for level in (501, 700):
        upper = run_mes_float(problem, Fraction(level), trie, certify=lower)
        assert upper is None or not upper.certified


def test_a_float_certificate_fails_when_a_competitor_overtakes_the_choice() -> None:
    # "x" (56) has four supporters, "y" (2) two of them. At 10 per voter only "y" is affordable;
    # from 14 on, "x" costs its supporters 14 each, a rho of 1/4 against "y"'s 1/2, and comes first.
    projects = (Project("x", 56), Project("y", 2))
    ballots = (Ballot(("y", "x")), Ballot(("x", "y")), Ballot(("x",)), Ballot(("x",)))
    problem = mes_problem(Election(projects, ballots, 100))
    trie = PrefixTrie(problem)
    lower = run_mes_float(problem, Fraction(10), trie)
    assert lower is not None
    assert lower.bought == [1]
    assert run_mes(problem, Fraction(30)).bought == [0, 1]
    upper = run_mes_float(problem, Fraction(30), trie, certify=lower)
    assert upper is not None
    assert not upper.certified
    assert upper.certify_margin == 0  # the choice itself changed: no shorter jump is hinted


def test_the_float_range_proof_certifies_what_the_plain_check_cannot() -> None:
    # Between 25 and 39 per voter the second round's choice ("p2") stays ahead, but its rho at 25
    # is above a competitor's at 39: only bounding both over the range (the finer proof) shows it.
    projects = (Project("p0", 33), Project("p1", 80), Project("p2", 33))
    ballots = (
        Ballot(("p2", "p1", "p0")),
        Ballot(("p1",)),
        Ballot(("p1",)),
        Ballot(("p0", "p2", "p1")),
        Ballot(("p2",)),
    )
    problem = mes_problem(Election(projects, ballots, 100))
    trie = PrefixTrie(problem)
    lower = run_mes_float(problem, Fraction(25), trie)
    assert lower is not None
    assert lower.bought == [1, 2]
    plain = run_mes_float(problem, Fraction(39), trie, certify=dataclasses.replace(lower, classes=None))
    assert plain is not None
    assert not plain.certified
    finer = run_mes_float(problem, Fraction(39), trie, certify=lower)
    assert finer is not None
    assert finer.certified
    for level in range(25, 40):
        assert run_mes(problem, Fraction(level)).bought == [1, 2]


def test_a_float_certificate_settles_an_exact_tie_by_the_tie_break() -> None:
    # "x" and "y" cost the same and share their supporters: at every budget they tie, and "x"
    # (the earlier project) wins. The floats cannot separate the two rhos; their exact values can.
    projects = (Project("x", 10), Project("y", 10), Project("z", 30))
    ballots = (Ballot(("x", "y")), Ballot(("x", "y")), Ballot(("z",)))
    problem = mes_problem(Election(projects, ballots, 30))
    trie = PrefixTrie(problem)
    lower = run_mes_float(problem, Fraction(12), trie)
    assert lower is not None
    assert [(r.project, r.exact) for r in lower.rounds] == [(0, Fraction(1, 2)), (1, Fraction(1, 2))]
    upper = run_mes_float(problem, Fraction(20), trie, certify=lower)
    assert upper is not None
    assert upper.certified
    # The same brackets, but with the exact prices unknown.
    unsure = [Price(r.price.low, r.price.high, r.price.estimate, 10, 0.0, False) for r in lower.rounds]
    unknown = dataclasses.replace(
        lower, rounds=[r._replace(price=p) for r, p in zip(lower.rounds, unsure, strict=True)]
    )
    assert [r.exact for r in unknown.rounds] == [None, None]
    without = run_mes_float(problem, Fraction(20), trie, certify=unknown)
    assert without is not None
    assert not without.certified
    for level in range(12, 21):
        assert run_mes(problem, Fraction(level)).bought == [0, 1]


def _bracket(cost: int, unit: bool, budget: list[float], weights: list[int]) -> Price | None:
    problem = SimpleNamespace(costs=(cost,), unit=unit)
    cash = np.array(budget, dtype=np.float64)
    error = cash * 2.0**-50
    units = np.array(weights, dtype=np.intp)
    return bracket(problem, 0, cash, error, np.arange(len(budget)), units, np.ones(len(budget)))


def test_a_price_bracket_holds_the_exact_price_with_weights() -> None:
    # Payments min(10, q), min(10, 2q) and min(1, q) reach 12 at q = 11/3, the last row paying all it has.
    price = _bracket(12, False, [10.0, 10.0, 1.0], [1, 2, 1])
    assert price is not None
    assert price.low <= 11 / 3 <= price.high
    assert price.high - price.low < 1e-9
    assert price.exact is None
    # Nobody pays all: the price is the cost over the weight units, exactly.
    price = _bracket(6, False, [10.0, 10.0], [1, 2])
    assert price is not None
    assert price.exact == 2
    # Unit weights: three voters share 9, two of them holding plenty.
    price = _bracket(9, True, [5.0, 5.0, 0.5], [1, 1, 1])
    assert price is not None
    assert price.low <= 4.25 <= price.high


def test_a_price_bracket_says_when_the_money_is_short_or_too_close_to_tell() -> None:
    assert _bracket(12, True, [5.0, 5.0], [1, 1]) is None
    assert _bracket(12, True, [], []) is None  # no supporters at all
    # Supporters who hold nothing at all are left out, and change nothing.
    assert _bracket(12, True, [5.0, 5.0, 0.0], [1, 1, 1]) is None
    with pytest.raises(Unsure):
        _bracket(12, True, [6.0, 6.0], [1, 1])


def test_the_compiled_loops_refuse_a_class_outside_the_arrays() -> None:
    budget, error, ones = np.ones(3), np.zeros(3), np.array([1, 1])
    with pytest.raises(IndexError):
        mes_float_loops.price_bracket(budget, error, np.array([0, 5]), ones, np.ones(2), 1.0, True)
    with pytest.raises(IndexError):
        mes_float_loops.pay(budget, error, np.array([0]), np.array([1]), 7, 0.5, 0.4, 0.6)
    for chosen in (True, False):
        with pytest.raises(IndexError):
            mes_float_loops.range_price(
                budget, error, np.array([0, 5]), ones, np.ones(2), chosen, 0.5, 2.0, 1, True
            )
