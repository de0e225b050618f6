"""Exact Equal Shares with add-opt and add-opt-skip agree with a slow, direct implementation of the paper."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgets import Ballot, Election, Project, allocate, dumps_pb
from budgets.cli import main
from budgets.ees_engine import EesSweep, SupporterArrays, run_ees
from budgets.exact_equal_shares import add_opt, ees_problem
from budgets.rules import RULES
from tests.budgets import reference_ees
from tests.budgets.pabulib_files import RANDOM_ELECTIONS, load_election
from tests.budgets.test_add1_jumping import elections
from tests.budgets.test_payments import assert_payments_cover_costs

EES_RULES = ("exactequalshares/addopt", "exactequalshares/addoptskip")


def small() -> Election:
    projects = (Project("a", 60), Project("b", 30))
    ballots = (
        Ballot(("a",), voter_id="v1"),
        Ballot(("a", "b"), voter_id="v2"),
        Ballot(("b",), voter_id="v3"),
    )
    return Election(projects, ballots, 90)


def engine_run(election: Election, per_voter: Fraction) -> reference_ees.Run:
    outcome = run_ees(ees_problem(election), per_voter)
    return tuple((p, outcome.payers[p]) for p in outcome.bought)


def test_a_small_election_by_hand() -> None:
    election = small()
    # At 30 each both projects have 2 payers (rho 1/2); the cheaper b wins, v2 and v3 pay 15 each,
    # and a is then unaffordable (v2 holds 15 < 30). a becomes affordable when v2 holds 30: at 45.
    first = run_ees(ees_problem(election), Fraction(30))
    assert first.bought == [1]
    assert first.payers == {1: 2}
    assert first.dropped == {0: 2}
    assert first.change == 15
    assert first.change_skip == 15
    for rule in EES_RULES:
        outcome = allocate(election, rule)
        assert outcome.selected == ("b", "a")
        assert outcome.spent == 90
        assert outcome.payments == {
            "v1": {"a": Fraction(30)},
            "v2": {"b": Fraction(15), "a": Fraction(30)},
            "v3": {"b": Fraction(15)},
        }
        assert outcome.explanations["a"].reason.startswith("funded in round 2: 2 of its 2 supporters")
        assert "45" in outcome.notes[1]


def test_equal_shares_differ_from_mes_when_a_supporter_is_short() -> None:
    # Each of 6 voters holds 44. y (140) has 4 payers (rho 1/4) and beats x (90, 3 payers, 1/3);
    # v3 pays 35 for it and keeps 9. MES then buys x with v3's 9 and 40.50 from v1 and v2; EES
    # needs equal shares: 90 / 3 = 30 > 9, and 90 / 2 = 45 > 44, so x is unaffordable.
    projects = (Project("x", 90), Project("y", 140))
    ballots = (
        Ballot(("x",)),
        Ballot(("x",)),
        Ballot(("x", "y")),
        *(Ballot(("y",)) for _ in range(3)),
    )
    election = Election(projects, ballots, 264)
    outcome = run_ees(ees_problem(election), Fraction(44))
    assert outcome.bought == [1]
    assert outcome.payers == {1: 4}
    assert outcome.dropped == {0: 2}
    assert allocate(election, "equalshares").selected == ("y", "x")


def test_a_project_no_group_could_pay_for_earlier_is_dropped_without_a_new_table() -> None:
    # At 10/3 each, a's three supporters split its 10 in round 1 and hold nothing after. c's one
    # supporter could not pay 40 in round 1 already, so round 1's table settles c in round 2.
    projects = (Project("a", 10), Project("b", 30), Project("c", 40))
    ballots = (Ballot(("a", "b")), Ballot(("a", "b")), Ballot(("a", "b", "c")))
    sweep = EesSweep(ees_problem(Election(projects, ballots, 60)))
    sweep.advance(Fraction(10, 3))
    outcome = sweep.outcome()
    assert (outcome.bought, outcome.payers, outcome.dropped) == ([0], {0: 3}, {1: 1, 2: 2})
    assert sweep.has_table(2, 1)
    assert not sweep.has_table(2, 2)


def test_a_sweep_stops_past_its_cost_limit_and_goes_only_upwards() -> None:
    # At 30 each b (30) is bought in round 1; a limit of 20 stops the run there, over the limit.
    problem = ees_problem(small())
    stopped = run_ees(problem, Fraction(30), cost_limit=20)
    assert (stopped.bought, stopped.spent, stopped.over_limit) == ([1], 30, True)
    assert (stopped.change, stopped.change_skip) == (None, None)
    sweep = EesSweep(problem)
    sweep.advance(Fraction(30), 20)
    assert (sweep.funded, sweep.spent, sweep.over_limit) == (1, 30, True)
    with pytest.raises(ValueError, match="upwards"):
        sweep.advance(Fraction(45))  # a stopped run has no change points to go on from
    sweep = EesSweep(problem)
    sweep.advance(Fraction(30))
    with pytest.raises(ValueError, match="upwards"):
        sweep.advance(Fraction(29))
    with pytest.raises(IndexError):
        sweep.class_spent(10**6)


@pytest.mark.parametrize(
    "file", ["Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb", "Poland_Wieliczka_2023_Green_Budget.pb"]
)
def test_a_resumed_run_replays_later_rounds_and_each_run_is_a_fresh_one(file: str) -> None:
    # Most add-opt steps give one round's purchase a payer more; the rounds after it are then
    # replayed from the run before (budgets.ees_engine), not run again, and must be a fresh run.
    # Each has steps where a later round loses a payer who spent all of b (replaying goes on);
    # Swiecie and Wieliczka also lose payers with money left, where replaying must stop
    # (replaying on, Wieliczka's 174th run differs from a fresh one).
    election = load_election(file)
    problem = ees_problem(election)
    per_voter = Fraction(election.budget, len(election.ballots))
    sweep = EesSweep(problem)
    sweep.advance(per_voter)
    for _ in range(200):
        step = sweep.change()
        if step is None:
            break
        per_voter += step
        sweep.advance(per_voter)
        fresh, outcome = run_ees(problem, per_voter), sweep.outcome()
        assert (outcome.bought, outcome.payers, outcome.share) == (fresh.bought, fresh.payers, fresh.share)
        assert (outcome.round_of, outcome.spent) == (fresh.round_of, fresh.spent)
        assert sweep.change() == fresh.change
    assert sweep.rounds_replayed > 0


def test_a_sweep_refuses_supporter_arrays_of_another_problem() -> None:
    problem = ees_problem(small())
    arrays = SupporterArrays.of(problem)
    with pytest.raises(ValueError, match="do not fit"):
        EesSweep(problem, SupporterArrays(arrays.types, arrays.counts, arrays.starts[:-1]))
    with pytest.raises(IndexError):
        EesSweep(problem, SupporterArrays(arrays.types + 10, arrays.counts, arrays.starts))


def test_the_rules_are_listed() -> None:
    assert set(EES_RULES) <= set(RULES)


@RANDOM_ELECTIONS
@given(elections(), st.fractions(Fraction(1, 3), Fraction(40)))
def test_runs_and_change_points_match_the_definition(election: Election, per_voter: Fraction) -> None:
    outcome = run_ees(ees_problem(election), per_voter)
    assert engine_run(election, per_voter) == reference_ees.ees(election, per_voter).run
    assert outcome.change == reference_ees.change(election, per_voter)
    assert outcome.change_skip == reference_ees.change_skip(election, per_voter)


@RANDOM_ELECTIONS
@given(
    elections(),
    st.fractions(Fraction(1, 3), Fraction(40)),
    st.lists(st.sampled_from(("opt", "skip", "half")), min_size=1, max_size=25),
)
def test_a_sweep_agrees_with_fresh_runs(election: Election, per_voter: Fraction, steps: list[str]) -> None:
    # Raised to the next change point, to add-opt-skip's (past some change points) or halfway to
    # the next (no change), the sweep redoes only some rounds; each time it must be a fresh run.
    problem = ees_problem(election)
    sweep = EesSweep(problem)
    sweep.advance(per_voter)
    outcome = sweep.outcome()
    for step in steps:
        fresh = run_ees(problem, per_voter)
        assert (outcome.bought, outcome.payers, outcome.share) == (fresh.bought, fresh.payers, fresh.share)
        assert (outcome.round_of, outcome.rho, outcome.spent) == (fresh.round_of, fresh.rho, fresh.spent)
        assert (sweep.change(), sweep.change_skip()) == (fresh.change, fresh.change_skip)
        raise_by = {"opt": fresh.change, "skip": fresh.change_skip}.get(step, fresh.change)
        if raise_by is None:
            break
        per_voter += raise_by / 2 if step == "half" else raise_by
        sweep.advance(per_voter)
        outcome = sweep.outcome()


def assert_everyone_at_each_round_start(sweep: EesSweep, per_voter: Fraction) -> None:
    """Every voter type's class at each round's start holds what the run's purchases, replayed,
    left it (a supporter pays a share while holding it)."""
    outcome = sweep.outcome()
    supporters = sweep.problem.types.supporters
    spent = [Fraction(0)] * len(sweep.problem.types.multiplicity)
    purchases = [p for p in outcome.bought if outcome.round_of[p] > 0]
    for round_no in range(1, sweep.started + 1):
        assert [sweep.class_spent(c) for c in sweep.classes_at(round_no)] == spent, round_no
        if round_no <= len(purchases):
            p = purchases[round_no - 1]
            share = outcome.share[p]
            for t in supporters[p]:
                if spent[t] + share <= per_voter:
                    spent[t] += share


@RANDOM_ELECTIONS
@given(
    elections(),
    st.fractions(Fraction(1, 3), Fraction(40)),
    st.lists(st.sampled_from(("opt", "skip")), min_size=1, max_size=25),
)
def test_a_sweep_knows_everyones_class_at_each_round_start(
    election: Election, per_voter: Fraction, steps: list[str]
) -> None:
    # A resumed run takes back the moves of the rounds it redoes; earlier rounds' classes are
    # taken back from the latest (add-opt-skip reads tables of earlier rounds).
    sweep = EesSweep(ees_problem(election))
    sweep.advance(per_voter)
    for step in steps:
        assert_everyone_at_each_round_start(sweep, per_voter)
        raise_by = sweep.change_skip() if step == "skip" else sweep.change()
        if raise_by is None:
            break
        per_voter += raise_by
        sweep.advance(per_voter)


@RANDOM_ELECTIONS
@given(elections(), st.sampled_from(EES_RULES))
def test_the_completions_match_the_definition(election: Election, rule: str) -> None:
    skip = rule.endswith("skip")
    run, per_voter, paid = reference_ees.add_opt(election, skip=skip)
    found = add_opt(ees_problem(election), len(election.ballots), election.budget, skip=skip)
    assert tuple((p, found.outcome.payers[p]) for p in found.outcome.bought) == run
    assert found.per_voter == per_voter
    outcome = allocate(election, rule)
    assert outcome.selected == tuple(election.projects[p].project_id for p, _ in run)
    assert outcome.spent <= election.budget
    expected = {
        f"#{v}": {election.projects[p].project_id: amount for p, amount in paid[v].items()}
        for v in range(len(election.ballots))
        if paid[v]
    }
    assert dict(outcome.payments) == expected
    assert_payments_cover_costs(election, outcome, per_voter)


@pytest.mark.parametrize("rule", EES_RULES)
def test_each_run_after_the_first_is_reported(rule: str) -> None:
    # A tally's heartbeat: (run, per-voter budget rounded down), runs counted from the first.
    election = load_election("Poland_Swiecie_2023.pb")
    seen: list[tuple[int, int]] = []
    outcome = allocate(election, rule, progress=lambda run, level: seen.append((run, level)))
    found = add_opt(ees_problem(election), len(election.ballots), election.budget, skip=rule.endswith("skip"))
    assert [run for run, _ in seen] == list(range(2, found.runs + 1))
    levels = [level for _, level in seen]
    assert levels == sorted(levels)
    assert levels[0] >= election.budget // len(election.ballots)
    assert outcome.notes[-1] == found.note


@pytest.mark.parametrize("name", ["Poland_Swiecie_2023.pb", "Netherlands_Assen_2024.pb"])
def test_payments_add_up_on_real_files(name: str) -> None:
    election = load_election(name)
    for rule in EES_RULES:
        outcome = allocate(election, rule)
        assert outcome.spent <= election.budget
        assert_payments_cover_costs(election, outcome)


@pytest.mark.parametrize("rule", EES_RULES)
def test_the_cli_runs_them(rule: str, tmp_path, capsys) -> None:
    path = tmp_path / "small.pb"
    path.write_text(dumps_pb(small()), encoding="utf-8")
    assert main(["allocate", str(path), "--rule", rule]) == 0
    assert capsys.readouterr().out.split() == ["b", "a"]
    assert main(["allocate", str(path), "--rule", rule, "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rule"] == rule
    assert shown["explanations"]["a"]["round"] == 2
