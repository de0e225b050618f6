"""equalshares.net's completions by name (add1e, add1u, add1eu), and `check --variants`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import Election, allocate
from budgets.add1 import Add1Options, add1_stepping
from budgets.add1_jumping import add1_jumping
from budgets.cli import ADD1_VARIANTS, main
from budgets.equal_shares import mes_problem
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election, pabulib_path
from tests.budgets.reference_net import add1
from tests.budgets.test_add1_jumping import elections
from tests.budgets.test_pabutools_agreement import approval_elections

NAMES = {
    "equalshares/add1e": (True, False),
    "equalshares/add1u": (False, True),
    "equalshares/add1eu": (True, True),
}


@RANDOM_ELECTIONS
@given(approval_elections(), st.sampled_from(sorted(NAMES)))
def test_variants_match_a_direct_transcription_of_the_tool(election: Election, rule: str) -> None:
    exhaustive, utilitarian = NAMES[rule]
    expected = add1(election, exhaustive=exhaustive, utilitarian=utilitarian)
    assert sorted(allocate(election, rule).selected) == sorted(expected)


@RANDOM_ELECTIONS
@given(elections(), st.booleans(), st.booleans())
def test_jumping_equals_stepping_with_the_tool_options(
    election: Election, integral: bool, exhaustive: bool
) -> None:
    problem = mes_problem(election)
    options = Add1Options(integral_start=integral, exhaustive_stop=exhaustive)
    voters, budget = len(election.ballots), election.budget
    stepping = add1_stepping(problem, voters, budget, options=options)
    jumping = add1_jumping(problem, voters, budget, options=options)
    assert (jumping.outcome.bought, jumping.per_voter, jumping.note) == (
        stepping.outcome.bought,
        stepping.per_voter,
        stepping.note,
    )


@pytest.mark.parametrize("name", ["Netherlands_Assen_2024.pb", "Poland_Wieliczka_2023_Green_Budget.pb"])
def test_check_names_the_variants_that_reproduce_the_official_outcome(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    election = load_election(name)
    official = {p.project_id for p in election.projects if p.fields.get("selected") == "1"}
    same = [rule for rule in ADD1_VARIANTS if set(allocate(election, rule).selected) == official]
    # Both files were tallied with Pabulib's add1 (Wieliczka then ran a comparison step it did not need).
    assert "equalshares/add1" in same
    assert len(same) < len(ADD1_VARIANTS)
    main(["check", str(pabulib_path(name)), "--variants"])
    out = capsys.readouterr().out
    assert f"add1 variants that reproduce the official selection: {', '.join(same)}\n" in out
