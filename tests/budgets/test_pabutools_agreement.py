"""Agreement with pabutools 1.2.3 and pabulib-checker: on real files and on random elections.

pabutools is slow on large files (its greedy alone takes ~16 s on Warszawa 2026), so it is
compared on the small and medium shared files; the large ones are checked against the official
outcome in test_official_outcomes.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pabutools.election import parse_pabulib
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from budgets import Ballot, Election, Project, allocate
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election, pabulib_path
from tests.budgets.reference import COST_SAT, checker_mes, file_order_tie, names, reference_tie, to_pabutools

SMALL_APPROVAL_FILES = [
    "Poland_Swiecie_2023.pb",
    "Netherlands_Assen_2024.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "Poland_Warszawa_2023_Zoliborz.pb",
    "Canada_Stanford_Dataset_PB_Dieppe_2018_vote_approvals.pb",
    "US_Stanford_Dataset_SF_Tenderloin_December_2022_vote_knapsacks.pb",
    "US_Stanford_Dataset_PB_Chicago_49th_Ward_2019_vote_approvals.pb",
    "Worldwide_Mechanical_Turk_k_approval_3.pb",
]

_PARSED: dict[str, Any] = {}


def pabutools_file(name: str) -> Any:
    if name not in _PARSED:
        _PARSED[name] = parse_pabulib(str(pabulib_path(name)))
    return _PARSED[name]


@pytest.mark.parametrize("name", SMALL_APPROVAL_FILES)
def test_greedy_matches_pabutools_on_real_files(name: str) -> None:
    election = load_election(name)
    instance, profile = pabutools_file(name)
    theirs = greedy_utilitarian_welfare(
        instance, profile, sat_class=COST_SAT, tie_breaking=file_order_tie(election)
    )
    assert set(allocate(election, "greedy").selected) == set(names(theirs))


@pytest.mark.parametrize("name", SMALL_APPROVAL_FILES)
def test_equal_shares_matches_pabutools_on_real_files(name: str) -> None:
    election = load_election(name)
    instance, profile = pabutools_file(name)
    theirs = method_of_equal_shares(
        instance, profile, sat_class=COST_SAT, tie_breaking=reference_tie(election)
    )
    assert list(allocate(election, "equalshares").selected) == names(theirs)


@pytest.mark.parametrize("name", SMALL_APPROVAL_FILES)
def test_phragmen_matches_pabutools_on_real_files(name: str) -> None:
    election = load_election(name)
    instance, profile = pabutools_file(name)
    theirs = sequential_phragmen(instance, profile, tie_breaking=reference_tie(election))
    # pabutools returns Phragmén's allocation sorted, not in the order of purchase.
    assert sorted(allocate(election, "phragmen").selected) == sorted(names(theirs))


def test_add1_matches_pabutools_budget_increase_on_assen() -> None:
    # pabutools' add1 needs one full MES run per step; Assen (84 voters) is the file where that is quick.
    name = "Netherlands_Assen_2024.pb"
    election = load_election(name)
    instance, profile = pabutools_file(name)
    theirs = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": COST_SAT, "tie_breaking": reference_tie(election)},
        exhaustive_stop=False,
        budget_step=len(election.ballots),
    )
    assert set(allocate(election, "equalshares/add1").selected) == set(names(theirs))


# Random approval elections: small enough for pabutools' irresolute search to enumerate ties.
@st.composite
def approval_elections(draw: st.DrawFn, *, every_project_supported: bool = False) -> Election:
    count = draw(st.integers(1, 6))
    ids = [f"p{i}" for i in range(count)]
    costs = draw(st.lists(st.integers(0, 30), min_size=count, max_size=count))
    ballots = draw(
        st.lists(st.lists(st.sampled_from(ids), max_size=count, unique=True), min_size=1, max_size=9)
    )
    if every_project_supported:
        ballots.append(list(ids))
    budget = draw(st.integers(0, 60))
    projects = tuple(Project(pid, cost) for pid, cost in zip(ids, costs, strict=True))
    return Election(projects, tuple(Ballot(tuple(b)) for b in ballots), budget)


@RANDOM_ELECTIONS
@given(approval_elections())
def test_greedy_matches_pabutools_on_random_elections(election: Election) -> None:
    instance, profile = to_pabutools(election)
    theirs = greedy_utilitarian_welfare(
        instance, profile, sat_class=COST_SAT, tie_breaking=file_order_tie(election)
    )
    assert set(allocate(election, "greedy").selected) == set(names(theirs))


@RANDOM_ELECTIONS
@given(approval_elections())
def test_equal_shares_is_one_of_pabutools_tied_outcomes(election: Election) -> None:
    instance, profile = to_pabutools(election)
    tied = method_of_equal_shares(instance, profile, sat_class=COST_SAT, resoluteness=False)
    ours = allocate(election, "equalshares")
    assert sorted(ours.selected) in [sorted(names(outcome)) for outcome in tied]
    resolved = method_of_equal_shares(
        instance, profile, sat_class=COST_SAT, tie_breaking=reference_tie(election)
    )
    assert list(ours.selected) == names(resolved)


@RANDOM_ELECTIONS
@given(approval_elections(every_project_supported=True))
def test_phragmen_is_one_of_pabutools_tied_outcomes(election: Election) -> None:
    # pabutools would also fund projects nobody approves once nothing else fits; the engine never
    # does (see budgets.phragmen), so these elections give every project a supporter.
    instance, profile = to_pabutools(election)
    tied = sequential_phragmen(instance, profile, resoluteness=False)
    ours = allocate(election, "phragmen")
    assert sorted(ours.selected) in [sorted(names(outcome)) for outcome in tied]


@RANDOM_ELECTIONS
@given(approval_elections())
def test_add1_matches_the_pabulib_checker_reference(election: Election) -> None:
    # The checker's add1 loop never ends when every supported project fits the budget.
    supported = {pid for ballot in election.ballots for pid in ballot.projects}
    assume(sum(p.cost for p in election.projects if p.project_id in supported) > election.budget)
    try:
        reference = checker_mes(election, add1=True)
    except ValueError:
        assume(False)  # the checker refuses ties that cost and approvals cannot break
    assert set(allocate(election, "equalshares/add1").selected) == set(reference)


@RANDOM_ELECTIONS
@given(approval_elections())
def test_pure_mes_matches_the_pabulib_checker_reference(election: Election) -> None:
    try:
        reference = checker_mes(election, add1=False)
    except ValueError:
        assume(False)
    assert list(allocate(election, "equalshares").selected) == reference
