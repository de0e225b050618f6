"""Results in plain words: sentences and a voter's part built from real engine results."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from app.rounds.forms import RULE_CHOICES
from app.services.rounds import engine
from app.services.rounds.candidates import Candidate
from app.services.rounds.explanations import (
    FundedItem,
    Outcome,
    exact_part,
    rule_words,
    sentence,
    tally_figures,
    your_part,
)
from budgets.allocation import Allocation

ES_RULES = ("equalshares/add1", "exactequalshares/addopt", "exactequalshares/addoptskip")
COSTS = {1: 9500, 2: 25000, 3: 4000, 4: 3000}
VOTES = [(1, 3), (1,), (1, 2), (2,), (3, 4), (1, 4), (2, 3), (1,)]


def candidates(costs: dict[int, int]) -> list[Candidate]:
    return [
        Candidate(i, f"Problem {i}", c, 0, n, 0.0, 0.0, "open") for n, (i, c) in enumerate(costs.items(), 1)
    ]


def run(
    rule: str, ballot: str, costs: dict[int, int], ballots: list[dict[int, int]], budget: int
) -> Allocation:
    election = engine.build_election(ballot, candidates(costs), ballots, budget)
    return engine.allocate(rule, election)


def outcomes(allocation: Allocation, ballots: list[dict[int, int]], ballot: str) -> dict[str, Outcome]:
    figures = tally_figures(allocation, ballots, ballot)
    return {
        pid: Outcome(item.funded, item.cost, item.score, dict(item.to_dict()) | figures[pid])
        for pid, item in allocation.explanations.items()
    }


def funded_items(allocation: Allocation, found: dict[str, Outcome]) -> list[FundedItem]:
    return [
        FundedItem(int(pid), f"Problem {pid}", int(o.details["position"]), o.details)
        for pid, o in found.items()
        if o.funded
    ]


def test_equal_shares_sentences_in_euros_from_the_engine_figures() -> None:
    ballots = [dict.fromkeys(v, 1) for v in VOTES]
    allocation = run("equalshares/add1", "approval", COSTS, ballots, 11000)
    found = outcomes(allocation, ballots, "approval")
    said = {pid: sentence("equalshares/add1", "approval", o, 11000, "EUR") for pid, o in found.items()}
    # add1 raised every voter's budget from 13.75 to 19.66; the five supporters of #1 paid 19.00 each.
    assert (
        said["1"]
        == "Funded: 5 supporters shared the EUR 95.00 cost; each paid EUR 19.00 of their EUR 19.66 share."
    )
    assert said["2"] == "Not funded: it costs EUR 250.00, more than the whole EUR 110.00 there was to spend."
    # #3's supporters are voters 1, 5 and 7: voter 1 paid 19.00, so 0.66 + 19.66 + 19.66 are left.
    assert said["3"] == "Not funded: its 3 supporters had together EUR 39.98 left, it costs EUR 40.00."
    assert said["4"] == "Not funded: its 2 supporters had together EUR 20.32 left, it costs EUR 30.00."
    assert all("cents" not in s and "rho" not in s for s in said.values())


def test_exact_equal_shares_and_a_single_supporter() -> None:
    ballots = [dict.fromkeys(v, 1) for v in VOTES]
    allocation = run("exactequalshares/addopt", "approval", COSTS, ballots, 11000)
    found = outcomes(allocation, ballots, "approval")
    assert sentence("exactequalshares/addopt", "approval", found["1"], 11000, "EUR") == (
        "Funded: 5 supporters shared the EUR 95.00 cost; each paid EUR 19.00 of their EUR 19.00 share."
    )
    lone = [{1: 1}, {2: 1}, {2: 1}]
    allocation = run("equalshares/add1", "approval", {1: 500, 2: 9000}, lone, 9600)
    found = outcomes(allocation, lone, "approval")
    assert sentence("equalshares/add1", "approval", found["1"], 9600, "EUR").startswith(
        "Funded: its one supporter paid the EUR 5.00 cost from their EUR "
    )


def test_greedy_and_phragmen_sentences() -> None:
    ballots = [dict.fromkeys(v, 1) for v in VOTES]
    greedy = outcomes(run("greedy", "approval", COSTS, ballots, 11000), ballots, "approval")
    assert sentence("greedy", "approval", greedy["1"], 11000, "EUR") == (
        "Funded: with 5 votes, its turn came while EUR 110.00 was unspent; it costs EUR 95.00."
    )
    assert sentence("greedy", "approval", greedy["3"], 11000, "EUR") == (
        "Not funded: when its turn came (3 votes), only EUR 15.00 was left and it costs EUR 40.00."
    )
    phragmen = outcomes(run("phragmen", "approval", COSTS, ballots, 11000), ballots, "approval")
    assert sentence("phragmen", "approval", phragmen["3"], 11000, "EUR") == (
        "Funded: its 3 supporters took on the EUR 40.00 cost together; "
        "afterwards each carried EUR 13.33 in all."
    )
    assert sentence("phragmen", "approval", phragmen["1"], 11000, "EUR") == (
        "Not funded: when the rule stopped, EUR 70.00 was left and it costs EUR 95.00."
    )
    # Found from outside: EUR 29.9967 left read "had together EUR 30.00 left, it costs EUR 30.00".
    short = Outcome(False, 3000, 2, {"supporters": 2, "share": "1500", "supporters_left": "8999/3"})
    assert sentence("equalshares/add1", "approval", short, 7000, "EUR") == (
        "Not funded: its 2 supporters had together EUR 29.99 left, it costs EUR 30.00."
    )
    # Found from outside: "EUR 25.00 was left and it costs EUR 25.00" when a level problem did not fit.
    fits = Outcome(False, 2500, 1, {"supporters": 1, "left": 2500})
    assert sentence("phragmen", "approval", fits, 7000, "EUR") == (
        "Not funded: the rule stopped with EUR 25.00 left, enough for its EUR 25.00, because the problem "
        "next in line (level with it or ahead of it) cost more than that: Phragmén's rule ends at the "
        "first problem that does not fit."
    )
    # Found from outside: one supporter "took on the cost together", "each" carrying it.
    alone = Outcome(True, 1000, 1, {"supporters": 1, "load": "1000"})
    assert sentence("phragmen", "approval", alone, 11000, "EUR") == (
        "Funded: its one supporter took on the EUR 10.00 cost; afterwards they carried EUR 10.00 in all."
    )
    nobody = Outcome(False, 1000, 0, {"supporters": 0})
    assert (
        sentence("greedy", "approval", nobody, 11000, "EUR")
        == "Not funded: nobody voted for it. It costs EUR 10.00."
    )


def test_rules_are_named_in_words() -> None:
    words = rule_words("equalshares/add1")
    assert words.name == "Method of Equal Shares"
    assert "Wieliczka and Aarau" in words.summary
    assert rule_words("greedy").name == "Most votes first"


def test_the_round_form_lists_each_rule_by_the_name_its_pages_use() -> None:
    """Found from outside: a points ballot's refusal said "Choose Most votes first" beside a list
    that called the rule "Greedy: most support first"."""
    for rule, label in RULE_CHOICES:
        assert label.startswith(rule_words(rule).name), rule


def random_ballots(rng: random.Random, ballot: str, projects: list[int], voters: int) -> list[dict[int, int]]:
    ballots = []
    for _ in range(voters):
        chosen = rng.sample(projects, rng.randint(0, len(projects)))
        ballots.append({p: (rng.randint(1, 4) if ballot == "cumulative" else 1) for p in chosen})
    return ballots


@pytest.mark.parametrize("rule", ES_RULES)
@pytest.mark.parametrize("ballot", ["approval", "cumulative"])
def test_a_voters_replayed_part_is_exactly_what_the_engine_charged(rule: str, ballot: str) -> None:
    rng = random.Random(f"{rule}/{ballot}")
    for _ in range(25):
        projects = list(range(1, rng.randint(2, 7) + 1))
        costs = {p: rng.choice([500, 1200, 3000, 4550, 8000, 12000]) for p in projects}
        ballots = random_ballots(rng, ballot, projects, rng.randint(1, 12))
        budget = rng.randint(1000, 30000)
        allocation = run(rule, ballot, costs, ballots, budget)
        found = outcomes(allocation, ballots, ballot)
        funded = funded_items(allocation, found)
        for number, choices in enumerate(ballots, start=1):
            engine_paid = {pid: Fraction(a) for pid, a in allocation.payments.get(str(number), {}).items()}
            assert exact_part(rule, ballot, funded, choices) == engine_paid
        for pid, outcome in found.items():
            if outcome.funded and outcome.cost_cents:
                paid = sum(Fraction(a.get(pid, 0)) for a in allocation.payments.values())
                assert paid == outcome.cost_cents


def test_your_part_names_what_your_share_paid_for() -> None:
    ballots = [dict.fromkeys(v, 1) for v in VOTES]
    allocation = run("equalshares/add1", "approval", COSTS, ballots, 11000)
    found = outcomes(allocation, ballots, "approval")
    parts = your_part("equalshares/add1", "approval", funded_items(allocation, found), {1: 1, 3: 1})
    assert [(p.issue_id, p.paid_cents) for p in parts] == [(1, 1900)]
    assert your_part("equalshares/add1", "approval", funded_items(allocation, found), {2: 1}) == []
    greedy = outcomes(run("greedy", "approval", COSTS, ballots, 11000), ballots, "approval")
    items = [FundedItem(int(p), "x", 1, o.details) for p, o in greedy.items() if o.funded]
    assert [(p.issue_id, p.paid_cents) for p in your_part("greedy", "approval", items, {1: 1})] == [(1, None)]


def test_rounds_tallied_before_the_figures_still_read_in_words() -> None:
    """Results stored before the tally kept plain-words figures hold only the engine's own details."""
    funded = Outcome(True, 9500, 5, {"funded": True, "cost": 9500, "score": 5, "position": 1, "rho": "1/5"})
    unfunded = Outcome(False, 4000, 3, {"funded": False, "cost": 4000, "score": 3, "round": 2})
    assert (
        sentence("equalshares/add1", "approval", funded, 11000, "EUR")
        == "Funded: 5 votes; it costs EUR 95.00."
    )
    assert sentence("equalshares/add1", "approval", unfunded, 11000, "EUR") == (
        "Not funded: 3 votes; it costs EUR 40.00."
    )
    items = [FundedItem(1, "Old", 1, funded.details)]
    assert [(p.issue_id, p.paid_cents) for p in your_part("equalshares/add1", "approval", items, {1: 1})] == [
        (1, None)
    ]


def test_a_withdrawn_candidate_nobody_voted_for_says_so() -> None:
    """Found in the recheck: "Its 0 votes did not count."."""
    gone = Outcome(False, 1000, 0, {"withdrawn": "closed (No further action)", "supporters": 0})
    assert sentence("greedy", "approval", gone, 11000, "EUR") == (
        "Not in the tally: since the list was drawn up it was closed (No further action). "
        "Nobody had voted for it."
    )
