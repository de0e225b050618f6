"""Writing .pb files: round trips, and every written file passes pabulib-checker (which re-runs the rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgets import Ballot, Election, Project, allocate, dumps_pb, parse_pb, read_pb, write_pb
from tests.budgets.pabulib_files import load_election
from tests.budgets.reference import run_checker

DESCRIBED = {
    "description": "Neighbourhood round, Riverside",
    "country": "Netherlands",
    "unit": "Riverside",
    "instance": "2026",
    "date_begin": "01.03.2026",
    "date_end": "31.03.2026",
    "currency": "EUR",
}


def neighbourhood_round(vote_type: str = "approval", rule: str = "greedy") -> Election:
    """A round built in code, as the web app would (here in whole euros, as Pabulib files are)."""
    projects = (
        Project("pothole-12", 1_200, {"name": 'Fix the "big" pothole; Main St'}),
        Project("bench-3", 150, {"name": "Benches by the river"}),
        Project("lights-7", 600, {"name": "Street lights"}),
        Project("trees-2", 450, {"name": "Plant trees"}),
    )
    approvals = [
        ("pothole-12", "bench-3"),
        ("pothole-12",),
        ("lights-7", "trees-2", "bench-3"),
        ("trees-2",),
        ("pothole-12", "lights-7"),
        ("bench-3", "trees-2"),
    ]
    if vote_type == "cumulative":
        ballots = tuple(
            Ballot(chosen, tuple(range(len(chosen), 0, -1)), f"r{i}", {"age": str(30 + i)})
            for i, chosen in enumerate(approvals)
        )
    else:
        ballots = tuple(
            Ballot(chosen, None, f"r{i}", {"age": str(30 + i)}) for i, chosen in enumerate(approvals)
        )
    meta = {**DESCRIBED, "rule": rule}
    if vote_type == "cumulative":
        meta["max_sum_points"] = "6"
    return Election(projects, ballots, 2_000, vote_type, meta)


def assert_checker_accepts(text: str) -> None:
    results = run_checker(text)
    assert results.get("errors", {}) == {}, results


@pytest.mark.parametrize("rule", ["greedy", "equalshares", "equalshares/add1", "equalshares/add1-comparison"])
def test_an_election_built_in_code_passes_pabulib_checker_with_its_outcome(rule: str) -> None:
    election = neighbourhood_round(rule=rule)
    outcome = allocate(election)
    text = dumps_pb(election, allocation=outcome)
    # The checker recomputes the rule named in META and compares it with the `selected` column.
    assert_checker_accepts(text)
    assert f"rule;{rule}\n" in text


@pytest.mark.parametrize("vote_type", ["cumulative", "ordinal"])
def test_point_and_ranking_ballots_pass_pabulib_checker(vote_type: str) -> None:
    election = neighbourhood_round(vote_type)
    text = dumps_pb(election, allocation=allocate(election, "greedy"))
    assert_checker_accepts(text)
    assert "score" in text.split("PROJECTS\n")[1].split("\n")[0]


def test_a_written_election_reads_back_the_same(tmp_path: Path) -> None:
    election = neighbourhood_round("cumulative")
    path = tmp_path / "round.pb"
    write_pb(election, path)
    again = read_pb(path)
    assert again.projects[0].fields["name"] == 'Fix the "big" pothole; Main St'
    assert again.ballots == election.ballots
    assert again.budget == election.budget
    assert [p.cost for p in again.projects] == [p.cost for p in election.projects]
    assert again.meta["description"] == DESCRIBED["description"]


def test_rules_pabulib_does_not_know_are_written_as_unknown() -> None:
    election = neighbourhood_round()
    text = dumps_pb(election, allocation=allocate(election, "phragmen"))
    assert "rule;unknown\n" in text
    assert_checker_accepts(text)


def test_ballots_without_voter_ids_get_numbers() -> None:
    election = Election((Project("a", 5),), (Ballot(("a",)), Ballot(("a",))), 10, meta=DESCRIBED)
    text = dumps_pb(election)
    assert text.endswith("VOTES\nvoter_id;vote\n1;a\n2;a\n")
    assert [b.projects for b in parse_pb(text).ballots] == [("a",), ("a",)]


@pytest.mark.parametrize(
    "name",
    [
        "Poland_Swiecie_2023.pb",
        "Poland_Wieliczka_2023_Green_Budget.pb",
        "Poland_Czestochowa_2024.pb",
        "Poland_Warszawa_2023_Zoliborz.pb",
        "Switzerland_Zurich_S5R.pb",
    ],
)
def test_real_elections_rewritten_with_our_outcome_pass_pabulib_checker(name: str) -> None:
    election = load_election(name)
    rule = election.rule if election.rule != "unknown" else "greedy"
    text = dumps_pb(election, allocation=allocate(election, rule))
    assert_checker_accepts(text)
    assert parse_pb(text, name).ballots == election.ballots
