"""Runs that share voter classes across levels (budgets.mes_prefix) and the finer range proof.

A run with a shared PrefixTrie must be exactly the run a fresh state makes, whatever levels the
trie was walked with before; a certified run whose proof used budgets.mes_certify must be right
about every add1 level in its range, and only levels are its claim.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import Ballot, Election, Project
from budgets.equal_shares import mes_problem
from budgets.mes_certify import crossing_share, levels_hold
from budgets.mes_engine import MesOutcome, run_mes
from budgets.mes_float import run_mes_float
from budgets.mes_float_loops import count_cells
from budgets.mes_prefix import PrefixTrie
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election
from tests.budgets.test_add1_jumping import elections


def _same_run(shared: MesOutcome, fresh: MesOutcome) -> None:
    assert shared.bought == fresh.bought
    assert shared.round_of == fresh.round_of
    assert shared.rho == fresh.rho
    assert shared.price == fresh.price
    assert shared.dropped == fresh.dropped
    assert shared.spent == fresh.spent
    assert shared.over_limit == fresh.over_limit


@RANDOM_ELECTIONS
@given(elections(), st.lists(st.integers(0, 60), min_size=1, max_size=8))
def test_shared_classes_give_the_fresh_run_at_any_level(election: Election, raises: list[int]) -> None:
    problem = mes_problem(election)
    trie = PrefixTrie(problem)
    start = Fraction(election.budget, len(election.ballots))
    # Levels in any order, repeated ones included: the trie keeps only the last path it walked.
    for per_voter in [start, *(start + r for r in raises), start]:
        _same_run(run_mes(problem, per_voter, trie=trie), run_mes(problem, per_voter))


def test_shared_classes_on_a_city_with_many_changes() -> None:
    # Czestochowa's purchase sequence changes at about one level in six (docs/benchmarks.md).
    election = load_election("Poland_Czestochowa_2024.pb")
    problem = mes_problem(election)
    trie = PrefixTrie(problem)
    first = election.budget // len(election.ballots)
    levels = [*range(first, first + 40, 3), first + 7, first + 1]
    for level in levels:
        per_voter = Fraction(level)
        _same_run(
            run_mes(problem, per_voter, cost_limit=election.budget, trie=trie),
            run_mes(problem, per_voter, cost_limit=election.budget),
        )
    assert trie.nodes_built < len(levels) * 30  # walked nodes were reused, not all rebuilt


@RANDOM_ELECTIONS
@given(elections(), st.integers(1, 40), st.integers(1, 60))
def test_a_certified_range_repeats_the_lower_run(election: Election, raise_: int, span: int) -> None:
    problem = mes_problem(election)
    low = Fraction(election.budget, len(election.ballots)) + raise_
    high = low + span
    trie = PrefixTrie(problem)
    lower = run_mes(problem, low, trie=trie, keep_classes=True)
    rounds = [(p, lower.rho[p]) for p in lower.bought if lower.round_of[p] > 0]
    upper = run_mes(problem, high, certify=rounds, trie=trie, lower=lower.classes)
    if not upper.certified:
        return
    for level in range(span + 1):
        assert run_mes(problem, low + level).bought == lower.bought


def _changes_between_levels() -> Election:
    """An election that buys the same at every level from 44 to 52 per voter but 51, where (from
    50.5 to 51.5) it buys one more project, p2."""
    costs = (52, 48, 24, 90)
    projects = tuple(Project(f"p{i}", cost) for i, cost in enumerate(costs))
    approved = (("p1", "p2", "p3"), ("p1", "p2", "p3", "p0"), ("p0", "p3", "p1"), ("p3",), ("p0",))
    return Election(projects, tuple(Ballot(a) for a in approved), 200)


def test_a_certificate_speaks_for_the_add1_levels_only() -> None:
    problem = mes_problem(_changes_between_levels())
    assert run_mes(problem, Fraction(51)).bought == [3, 1, 2, 0]
    assert all(run_mes(problem, Fraction(level)).bought == [3, 1, 0] for level in range(44, 53, 2))
    trie = PrefixTrie(problem)
    lower = run_mes(problem, Fraction(44), trie=trie, keep_classes=True)
    rounds = [(p, lower.rho[p]) for p in lower.bought if lower.round_of[p] > 0]
    even = run_mes(problem, Fraction(52), certify=rounds, trie=trie, lower=lower.classes, step=2)
    assert even.certified  # levels two apart: 51 is not one of them
    every = run_mes(problem, Fraction(52), certify=rounds, trie=trie, lower=lower.classes, step=1)
    assert not every.certified  # with levels one apart it is, and there p2 is bought too
    float_lower = run_mes_float(problem, Fraction(44), trie)
    assert float_lower is not None
    for step, certified in ((2, True), (1, False)):
        floats = run_mes_float(problem, Fraction(52), trie, certify=float_lower, step=step)
        assert floats is not None
        assert floats.certified == certified


def test_levels_hold_asks_only_about_levels_strictly_inside_the_range() -> None:
    asked: list[tuple[Fraction, Fraction]] = []

    def beats(b1: Fraction, b2: Fraction) -> bool:
        asked.append((b1, b2))
        return not b1 <= Fraction(15, 2) <= b2  # a rival ahead only at 7.5, between two levels

    assert levels_hold(Fraction(5, 2), Fraction(10), 1, beats)
    points = {b for pair in asked for b in pair}
    assert points <= set(map(Fraction, range(3, 10)))
    assert levels_hold(Fraction(0), Fraction(1), 1, beats)  # no level inside: nothing to prove
    assert not levels_hold(Fraction(5, 2), Fraction(10), 1, lambda b1, b2: not b1 <= 7 <= b2)
    # Levels are counted down from the upper end, `step` apart.
    asked.clear()
    assert levels_hold(Fraction(0), Fraction(12), 5, beats)
    assert {b for pair in asked for b in pair} == {Fraction(2), Fraction(7)}


def test_the_range_proof_certifies_more_and_rightly_on_a_city() -> None:
    # On Zoliborz two projects stay close over many levels: the plain certificate fails there
    # while the range proof holds; every level it certifies must repeat the lower run.
    election = load_election("Poland_Warszawa_2023_Zoliborz.pb")
    problem = mes_problem(election)
    budget = election.budget
    trie = PrefixTrie(problem)
    first = budget // len(election.ballots)
    only_with_proof = 0
    for low in range(first, first + 60, 12):
        lower = run_mes(problem, Fraction(low), cost_limit=budget, trie=trie, keep_classes=True)
        rounds = [(p, lower.rho[p]) for p in lower.bought if lower.round_of[p] > 0]
        for span in (3, 11, 40):
            high = Fraction(low + span)
            proved = run_mes(problem, high, cost_limit=budget, certify=rounds, trie=trie, lower=lower.classes)
            if not proved.certified:
                continue
            plain = run_mes(problem, high, cost_limit=budget, certify=rounds, trie=trie)
            only_with_proof += not plain.certified
            for level in range(low + 1, low + span + 1):
                assert run_mes(problem, Fraction(level), cost_limit=budget).bought == lower.bought
    assert only_with_proof > 0


def test_crossing_share_is_where_a_shrinking_lead_reaches_zero() -> None:
    assert crossing_share(Fraction(3), Fraction(-1)) == Fraction(3, 4)
    assert crossing_share(2.0, 0.0) == 1.0
    assert crossing_share(Fraction(0), Fraction(-1)) is None  # no lead to lose
    assert crossing_share(1.0, 0.5) is None  # still ahead at the upper level


def test_a_failed_certificate_says_where_the_choice_changed() -> None:
    # On Cambridge 2019 the purchases at 162 per voter hold at 162 only: from 163 a round chooses
    # another project. A certified run at 170 fails there, and the two projects' rhos, drawn as
    # lines between the two levels, cross between 162 and 163 (exact and float runs alike).
    election = load_election("US_Stanford_Dataset_PB_Cambridge_2019_vote_approvals.pb")
    problem = mes_problem(election)
    budget = election.budget
    trie = PrefixTrie(problem)
    lower = run_mes(problem, Fraction(162), cost_limit=budget, trie=trie, keep_classes=True)
    assert run_mes(problem, Fraction(163), cost_limit=budget).bought != lower.bought
    rounds = [(p, lower.rho[p]) for p in lower.bought if lower.round_of[p] > 0]
    exact = run_mes(problem, Fraction(170), cost_limit=budget, certify=rounds, trie=trie, lower=lower.classes)
    assert not exact.certified
    assert exact.certify_margin == 0
    assert exact.certify_change is not None
    assert 0 < exact.certify_change * 8 <= 1
    float_lower = run_mes_float(problem, Fraction(162), trie, budget)
    assert float_lower is not None
    floats = run_mes_float(problem, Fraction(170), trie, budget, certify=float_lower)
    assert floats is not None
    assert floats.certify_change is not None
    assert 0 < floats.certify_change * 8 <= 1


@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 3), st.integers(1, 9)), max_size=60),
    st.booleans(),
    st.sampled_from([1, 64, 10_000]),
)
def test_counting_cells_is_a_unique_and_a_bincount(
    rows: list[tuple[int, int, int]], unit: bool, room: int
) -> None:
    # Each row is a supporting type: its class, its weight and how many voters cast it. `room`
    # spreads the classes so that both ways of numbering keys (a table, a sort) are taken.
    type_class = np.array([c * room for c, _, _ in rows], dtype=np.intp)
    weights = np.array([1 if unit else w for _, w, _ in rows], dtype=np.intp)
    many = np.array([m for _, _, m in rows], dtype=np.float64)
    supporters = np.arange(len(rows), dtype=np.intp)
    width = 4
    keys = type_class if unit else type_class * width + weights
    size = (41 * room) * (1 if unit else width)
    found, where, counts = count_cells(type_class, supporters, many, weights, width, size, unit)
    expected, inverse = np.unique(keys, return_inverse=True)
    assert found.tolist() == expected.tolist()
    assert where.tolist() == inverse.reshape(-1).tolist()
    assert counts.tolist() == np.bincount(inverse.reshape(-1), weights=many, minlength=len(expected)).tolist()


def test_counting_cells_refuses_a_key_outside_its_range() -> None:
    one = np.ones(1, dtype=np.intp)
    with pytest.raises(IndexError):
        count_cells(np.array([5]), np.zeros(1, dtype=np.intp), np.ones(1), one, 2, 4, True)
    with pytest.raises(IndexError):
        count_cells(np.array([0]), np.array([3]), np.ones(1), one, 2, 4, True)
