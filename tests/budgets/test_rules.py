"""Rules on small elections built in code: outcomes, explanations, tie-breaking, exactness."""

from __future__ import annotations

import io
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import (
    RULES,
    Ballot,
    Election,
    ElectionError,
    Project,
    allocate,
    project_scores,
    quadratic_funding,
)
from budgets.progress import ProgressLine
from tests.budgets.pabulib_files import RANDOM_ELECTIONS


def approval(costs: dict[str, int], ballots: list[str], budget: int, **meta: str) -> Election:
    """Approval election; each ballot is a string of one-letter project ids."""
    projects = tuple(Project(pid, cost) for pid, cost in costs.items())
    return Election(projects, tuple(Ballot(tuple(b)) for b in ballots), budget, meta=meta)


def test_greedy_explains_what_did_not_fit() -> None:
    election = approval({"a": 150_000, "b": 880_000, "c": 90_000}, ["ab", "ab", "a", "bc", "b"], 1_000_000)
    outcome = allocate(election, "greedy")
    assert outcome.selected == ("b", "c")
    assert outcome.spent == 970_000
    assert outcome.explanations["a"].reason.startswith("did not fit: 120,000 left, costs 150,000")
    assert not outcome.explanations["a"].funded
    assert outcome.explanations["b"].position == 1
    assert outcome.explanations["c"].left == 120_000


def test_greedy_threshold_explains_the_threshold() -> None:
    election = approval({"a": 10, "b": 10}, ["a", "a", "a", "b"], 100, min_project_score_threshold="3")
    outcome = allocate(election, "greedy-threshold")
    assert outcome.selected == ("a",)
    assert outcome.explanations["b"].reason == "below the threshold of 3 votes (has 1)"


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit() -> None:
    election = approval({"a": 60, "b": 50, "c": 10}, ["abc", "ab", "a"], 100)
    assert allocate(election, "greedy").selected == ("a", "c")
    no_skip = allocate(election, "greedy-no-skip")
    assert no_skip.selected == ("a",)
    assert "stopped at b" in no_skip.explanations["c"].reason


def test_greedy_breaks_ties_by_the_order_of_the_projects() -> None:
    election = approval({"x": 10, "y": 10}, ["xy"], 10)
    assert allocate(election, "greedy").selected == ("x",)
    swapped = approval({"y": 10, "x": 10}, ["xy"], 10)
    assert allocate(swapped, "greedy").selected == ("y",)


def test_equal_shares_breaks_ties_by_lower_cost_then_more_supporters() -> None:
    # p and q have the same rho (1/2); the cheaper q is bought first and p becomes unaffordable.
    election = approval({"p": 4, "q": 2}, ["pq", "pq"], 4)
    outcome = allocate(election, "equalshares")
    assert outcome.selected == ("q",)
    assert outcome.explanations["p"].round == 2


def test_equal_shares_explains_round_rho_and_unaffordable_projects() -> None:
    election = approval({"a": 60, "b": 60, "c": 30}, ["ab", "ab", "c", "a"], 100)
    outcome = allocate(election, "equalshares")
    a = outcome.explanations["a"]
    assert a.funded
    assert a.round == 1
    assert a.rho == Fraction(1, 3)  # 3 supporters share a cost of 60: 20 each, 1/3 of its cost
    assert "funded in round 1" in a.reason
    b = outcome.explanations["b"]
    assert not b.funded
    assert "unaffordable from round" in b.reason
    assert outcome.spent <= election.budget


def test_equal_shares_cardinality_differs_from_cost_utilities() -> None:
    election = approval({"c": 10, "d": 90}, ["cd", "cd", "d"], 100)
    cost = allocate(election, "equalshares")
    card = allocate(election, "equalshares-cardinality")
    assert cost.selected[0] == "d"  # rho 1/3 per unit of cost beats 1/2
    assert card.selected[0] == "c"  # 5 per supporter beats 30


def test_add1_greedy_fill_spends_what_add1_left() -> None:
    election = approval({"a": 50, "b": 45, "c": 40}, ["a", "b", "c", "ab"], 100)
    add1 = allocate(election, "equalshares/add1")
    filled = allocate(election, "equalshares/add1/greedy")
    assert set(add1.selected) <= set(filled.selected)
    assert filled.spent <= election.budget
    assert any("greedy fill" in note for note in filled.notes)


def test_add1_step_in_cents_reaches_the_same_outcome_as_whole_units() -> None:
    units = approval({"a": 50, "b": 45, "c": 40}, ["a", "b", "c", "ab"], 100)
    cents = approval({"a": 5000, "b": 4500, "c": 4000}, ["a", "b", "c", "ab"], 10000)
    assert set(allocate(cents, "equalshares/add1", add1_step=100).selected) == set(
        allocate(units, "equalshares/add1").selected
    )


def test_mes_with_points_uses_the_points_as_utilities() -> None:
    projects = (Project("a", 60), Project("b", 60))
    ballots = (Ballot(("a", "b"), (3, 1)), Ballot(("a", "b"), (3, 1)), Ballot(("b",), (1,)))
    election = Election(projects, ballots, 120, "cumulative")
    outcome = allocate(election, "equalshares")
    assert outcome.selected[0] == "a"
    assert project_scores(election) == {"a": 6, "b": 3}


def test_ordinal_ballots_score_borda_points() -> None:
    election = Election(
        (Project("a", 1), Project("b", 1), Project("c", 1)), (Ballot(("c", "a", "b")),), 3, "ordinal"
    )
    assert project_scores(election) == {"a": 2, "b": 1, "c": 3}


def test_phragmen_explains_the_load_and_the_stop() -> None:
    election = approval({"a": 40, "b": 40, "c": 90}, ["ab", "a", "b", "c"], 100)
    outcome = allocate(election, "phragmen")
    assert outcome.selected[0] in ("a", "b")
    first = outcome.explanations[outcome.selected[0]]
    assert first.load == Fraction(40, 3) or first.load == Fraction(20)
    assert all(
        "Phragmén stopped" in outcome.explanations[p].reason for p in "abc" if p not in outcome.selected
    )


def brute_force_optimum(election: Election) -> int:
    scores = project_scores(election)
    best = 0
    for size in range(len(election.projects) + 1):
        for chosen in combinations(election.projects, size):
            if sum(p.cost for p in chosen) <= election.budget:
                best = max(best, sum(scores[p.project_id] for p in chosen))
    return best


@RANDOM_ELECTIONS
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=8),
    st.lists(st.lists(st.integers(0, 7), max_size=8, unique=True), min_size=1, max_size=8),
    st.integers(0, 100),
)
def test_utilitarian_optimum_matches_brute_force(costs: list[int], raw: list[list[int]], budget: int) -> None:
    ids = [f"p{i}" for i in range(len(costs))]
    ballots = [[ids[i] for i in b if i < len(ids)] for b in raw]
    election = Election(
        tuple(Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)),
        tuple(Ballot(tuple(b)) for b in ballots),
        budget,
    )
    outcome = allocate(election, "utilitarian-optimum")
    scores = project_scores(election)
    assert outcome.spent <= budget
    assert sum(scores[p] for p in outcome.selected) == brute_force_optimum(election)


@RANDOM_ELECTIONS
@given(
    st.lists(st.integers(1, 40), min_size=1, max_size=6),
    st.lists(st.lists(st.integers(0, 5), max_size=6, unique=True), min_size=1, max_size=10),
    st.integers(0, 120),
)
def test_every_rule_stays_within_budget_and_explains_every_project(
    costs: list[int], raw: list[list[int]], budget: int
) -> None:
    ids = [f"p{i}" for i in range(len(costs))]
    election = Election(
        tuple(Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)),
        tuple(Ballot(tuple(ids[i] for i in b if i < len(ids))) for b in raw),
        budget,
    )
    for rule in RULES:
        outcome = allocate(election, rule)
        assert outcome.spent <= budget, rule
        assert set(outcome.explanations) == set(ids), rule
        assert {p for p, e in outcome.explanations.items() if e.funded} == set(outcome.selected), rule
        assert all(e.reason for e in outcome.explanations.values()), rule


def test_to_dict_is_json_ready_with_exact_rationals() -> None:
    election = approval({"a": 60, "b": 30}, ["ab", "a", "b"], 100)
    data = allocate(election, "equalshares").to_dict()
    explanation = data["explanations"]
    assert isinstance(explanation, dict)
    b = explanation["b"]
    assert isinstance(b, dict)
    assert b["rho"] == "1/2"
    assert b["rho_approx"] == 0.5


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda: Election((Project("a", 1), Project("a", 2)), (), 5), "duplicate project id 'a'"),
        (lambda: Election((Project("a", -1),), (), 5), "cost must be a non-negative integer"),
        (lambda: Election((Project("a", 1),), (Ballot(("z",)),), 5), "vote for unknown project 'z'"),
        (lambda: Election((Project("a", 1),), (), -5), "budget must be a non-negative integer"),
        (
            lambda: Election((Project("a", 1),), (Ballot(("a",), (1, 2)),), 5, "cumulative"),
            "points must give one",
        ),
        (lambda: Election((Project("a", 1),), (), 5, "pairwise"), "unknown vote_type"),
        (
            lambda: Election((Project("a", 1), Project("b", 1)), (Ballot(("a", "b")),), 5, "choose-1"),
            "choose-1",
        ),
    ],
)
def test_invalid_elections_are_refused(build: object, reason: str) -> None:
    assert callable(build)
    with pytest.raises(ElectionError, match=reason):
        build()


def test_unknown_rule_names_the_valid_ones() -> None:
    election = approval({"a": 1}, ["a"], 1)
    with pytest.raises(ValueError, match="valid rules: greedy, greedy-no-skip"):
        allocate(election, "borda")


def test_quadratic_funding_splits_the_pool_exactly() -> None:
    result = quadratic_funding(
        {"park": [100, 100, 100, 100], "road": [400], "lights": [1, 1, 1, 1, 1, 1]}, 1001
    )
    assert sum(result.matches.values()) == 1001
    assert result.matches["road"] == 0  # a single contributor earns no match
    assert result.matches["park"] > result.matches["lights"]
    assert result.unallocated == 0
    assert "matched" in result.explanations["park"].reason


def test_quadratic_funding_caps_and_reports_what_stays_unallocated() -> None:
    result = quadratic_funding({"a": [100, 100], "b": [1, 1]}, 1000, cap=150)
    assert result.matches == {"a": 150, "b": 150}
    assert result.unallocated == 700


@RANDOM_ELECTIONS
@given(
    st.dictionaries(
        st.text("abc", min_size=1, max_size=2), st.lists(st.integers(0, 10_000), max_size=6), max_size=5
    ),
    st.integers(0, 1_000_000),
    st.one_of(st.none(), st.integers(0, 500_000)),
)
def test_quadratic_funding_never_misplaces_a_cent(
    contributions: dict[str, list[int]], pool: int, cap: int | None
) -> None:
    result = quadratic_funding(contributions, pool, cap=cap)
    assert sum(result.matches.values()) + result.unallocated == pool
    assert all(m >= 0 for m in result.matches.values())
    if cap is not None:
        assert all(m <= cap for m in result.matches.values())
    if any(result.explanations[p].funded for p in contributions) and cap is None:
        assert result.unallocated == 0
    assert quadratic_funding(contributions, pool, cap=cap) == result


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line_only_draws_on_a_terminal() -> None:
    pipe, terminal = io.StringIO(), _Terminal()
    for stream in (pipe, terminal):
        line = ProgressLine("equalshares/add1", stream)
        line(1, 393)
        line.close()
    assert pipe.getvalue() == ""
    assert "per-voter budget 393" in terminal.getvalue()


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("greedy", "1 vote, #2 by score"),
        ("equalshares", "its 1 supporter paid at most"),
        ("exactequalshares/addopt", "1 of its 1 supporter paid"),
        ("phragmen", "the load of its 1 supporter rose"),
    ],
)
def test_a_project_with_one_supporter_is_explained_in_the_singular(rule: str, words: str) -> None:
    election = approval({"a": 10, "b": 10}, ["a", "a", "b"], 30)
    reason = allocate(election, rule).explanations["b"].reason
    assert words in reason
    assert "1 supporters" not in reason
    assert "1 votes" not in reason
