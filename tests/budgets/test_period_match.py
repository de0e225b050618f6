"""The period's quadratic match against an independent computation on 500 seeded random campaigns.

The reference sums each resident's backings of a problem and caps them itself, computes the textbook
ideal match (sum of square roots)^2 - sum with 60-digit square roots held as exact fractions, and
shares the target by solving min(lam * ideal, cap) = target for lam directly (sorting, no loop over
water levels). Agreement, precisely: the target is the same whole cents; every match is within one
cent of its exact share and no match is above the cap; the matches add up to the target exactly;
when the fund covers every capped ideal match, the shares are the capped textbook matches up to the
half cent the target's rounding moves in total. (budgets.quadratic's roots are 64-bit fixed point,
so a match can only be compared with its exact share up to the one-cent rounding to whole cents.)
"""

from __future__ import annotations

import random
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest

from budgets.period_match import capped_contribution, period_match

CASES = 500


def exact_ideal(contributions: list[int]) -> Fraction:
    with localcontext() as ctx:
        ctx.prec = 60
        roots = sum((Decimal(c).sqrt() for c in contributions), Decimal(0))
        # One backer's ideal is exactly 0; 60-digit roots may put it a hair below.
        return max(Fraction(roots * roots) - sum(contributions), Fraction(0))


def exact_shares(ideal: dict[str, Fraction], target: int, cap: int) -> dict[str, Fraction]:
    """min(lam * ideal_i, cap) adding up to `target`: the largest ideals are capped first."""
    order = sorted(ideal, key=lambda pid: ideal[pid], reverse=True)
    for capped in range(len(order) + 1):
        rest = sum((ideal[pid] for pid in order[capped:]), Fraction(0))
        left = target - capped * cap
        if rest == 0:
            if left == 0:
                return {pid: Fraction(cap) if i < capped else Fraction(0) for i, pid in enumerate(order)}
            continue
        lam = Fraction(left) / rest
        fits = capped == len(order) or lam * ideal[order[capped]] <= cap
        holds = capped == 0 or lam * ideal[order[capped - 1]] >= cap
        if lam >= 0 and fits and holds:
            return {pid: (Fraction(cap) if i < capped else lam * ideal[pid]) for i, pid in enumerate(order)}
    raise AssertionError("no water level shares the target")


def random_campaign(rng: random.Random) -> tuple[dict[str, dict[int, list[int]]], int, int, int]:
    """Problems -> resident -> their backings (cents); fund, per-problem cap, per-backer cap."""
    problems: dict[str, dict[int, list[int]]] = {}
    for p in range(rng.randint(1, 10)):
        backers: dict[int, list[int]] = {}
        for resident in rng.sample(range(60), rng.randint(0, 14)):
            kind = rng.random()
            if kind < 0.15:  # perfect squares: the fixed point is exact
                amounts = [rng.randint(1, 60) ** 2]
            elif kind < 0.25:  # 2 * k^2: with 8 * k^2 elsewhere, exact ideals whose roots are not
                amounts = [2 * rng.randint(1, 30) ** 2 * rng.choice((1, 4))]
            else:
                amounts = [rng.randint(1, 5_000) for _ in range(rng.randint(1, 3))]
            backers[resident] = amounts
        problems[f"p{p}"] = backers
    fund = rng.choice((0, rng.randint(1, 500), rng.randint(1, 50_000), rng.randint(1, 5_000_000)))
    problem_cap = rng.choice((1, rng.randint(1, 3_000), rng.randint(1, 100_000), 10**9))
    backer_cap = rng.choice((1, rng.randint(1, 2_000), 10**9))
    return problems, fund, problem_cap, backer_cap


@pytest.mark.parametrize("seed", range(CASES))
def test_the_match_agrees_with_the_textbook_formula_in_exact_fractions(seed: int) -> None:
    rng = random.Random(seed)
    problems, fund, problem_cap, backer_cap = random_campaign(rng)
    counted = {
        pid: [capped_contribution(sum(amounts), backer_cap) for amounts in backers.values()]
        for pid, backers in problems.items()
    }
    result = period_match(counted, fund, problem_cap)

    reference_counted = {
        pid: [min(sum(amounts), backer_cap) for amounts in backers.values()]
        for pid, backers in problems.items()
    }
    ideal = {pid: exact_ideal(amounts) for pid, amounts in reference_counted.items()}
    capped_sum = sum((min(i, Fraction(problem_cap)) for i in ideal.values()), Fraction(0))
    target = min(fund, round(capped_sum))
    assert abs(capped_sum - round(capped_sum)) != Fraction(1, 2)  # never a half cent (see module doc)
    assert result.target == target
    shares = exact_shares(ideal, target, problem_cap)
    assert sum(result.matches.values()) == target <= fund
    for pid, share in shares.items():
        assert abs(result.matches[pid] - share) < 1, (pid, result.matches[pid], float(share))
        assert 0 <= result.matches[pid] <= problem_cap
        assert abs(result.ideal[pid] - ideal[pid]) < Fraction(1, 10**9)
    assert result.fund_short == (round(capped_sum) > fund)
    if not result.fund_short:
        textbook = {pid: min(i, Fraction(problem_cap)) for pid, i in ideal.items()}
        assert sum(abs(shares[pid] - textbook[pid]) for pid in ideal) <= Fraction(1, 2)


def test_a_problem_with_one_backer_gets_no_match_and_many_small_beat_one_large() -> None:
    result = period_match({"one": [10_000], "many": [100] * 100}, 10**9, 10**9)
    assert result.matches["one"] == 0
    assert result.matches["many"] == (100 * 10) ** 2 - 10_000  # (100 * sqrt(100))^2 - 100 * 100


def test_the_exact_ideal_that_the_fixed_point_misses_by_a_hair_is_kept() -> None:
    # sqrt(2) + sqrt(8) = 3 sqrt(2): the ideal is exactly 18 - 10 = 8 cents; floor roots give 7.99...
    result = period_match({"p": [2, 8]}, 100, 100)
    assert result.matches["p"] == 8
    assert result.target == 8


def test_the_fund_is_shared_and_the_cap_holds() -> None:
    result = period_match({"a": [100, 100], "b": [400, 400], "c": [1, 1]}, 500, 300)
    assert result.fund_short
    assert result.matches["b"] == 300
    assert sum(result.matches.values()) == 500
    assert result.capped == frozenset({"b"})


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="fund, cap and needs"):
        period_match({"a": [1]}, -1, 10)
    with pytest.raises(ValueError, match="fund, cap and needs"):
        period_match({"a": [1]}, 10, 10, needs={"a": -1})
    with pytest.raises(ValueError, match="negative"):
        capped_contribution(-5, 10)


def test_a_match_tops_a_problem_up_to_its_cost_and_no_further() -> None:
    """Found from outside: a problem costing 60.00 backed by four residents with 5.00 each got a city
    match of 60.00, committing 80.00 to a 60.00 fix. With what each cost still needs, the match stops
    there and the fund's rest goes to the other problems (water-filling with per-problem caps)."""
    four_fives = [500, 500, 500, 500]  # ideal match (4 * sqrt(500))^2 - 2000 = 6000
    found = period_match({"a": four_fives, "b": four_fives}, 30_000, 40_000, needs={"a": 4_000})
    assert found.matches == {"a": 4_000, "b": 6_000}
    assert found.filled == frozenset({"a"})
    assert found.capped == frozenset()
    assert found.target == 10_000
    # A short fund is shared by the ideals, no problem past its need; the excess goes to the others.
    short = period_match({"a": four_fives, "b": four_fives}, 6_000, 40_000, needs={"a": 1_000})
    assert short.matches == {"a": 1_000, "b": 5_000}
    assert short.fund_short
    # A problem fully raised already gets nothing.
    done = period_match({"a": four_fives}, 30_000, 40_000, needs={"a": 0})
    assert done.matches == {"a": 0}
