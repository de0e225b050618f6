"""The city's quadratic match for one matching period: per-backer caps, a per-problem cap, a fund.

Each problem's ideal match is the textbook quadratic-funding one, (sum of the square roots of its
backers' contributions)^2 - (sum of the contributions), where a backer's contribution is what they
gave the problem in the period, counted at most `backer_cap`. A problem never gets more than
`problem_cap`, nor more than its cost still needs when `needs` gives that (the match tops a campaign
up to its cost, never past it), and the city never pays more than `fund`:

    cap(p)  = min(problem_cap, needs[p])
    target  = min(fund, the nearest whole cent to  sum over problems of min(ideal, cap(p)))
    matches = budgets.quadratic.quadratic_funding(contributions, target, cap=cap)

When the fund covers every capped ideal match, each problem gets its ideal match (capped): the
shares are proportional to the ideals and add up to their own sum. When it does not, the fund is
shared in proportion to the ideals, no share above the cap (the excess goes to the others).

Why the nearest cent: budgets.quadratic computes square roots in fixed point with 64 extra bits, so
an ideal match comes out a hair below the true one (below by less than 2**-50 of a cent for any
realistic campaign). The true sum is (sum of a few caps, whole cents) + (sums of 2*sqrt(a*b)), an
algebraic integer, which is never exactly a half cent; rounding to the nearest cent therefore
gives the same whole cents as the exact sum, where the floor could lose one (contributions 2 and 8
have the exact ideal 8, the fixed point a hair under 8). Each match is then within one cent of its
exact share and the matches add up to the target exactly (largest remainders).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from budgets.quadratic import ideal_weight, quadratic_funding

_SCALE = 1 << 128  # ideal_weight's scale (4**64)


@dataclass(frozen=True, slots=True)
class PeriodMatch:
    """What the city adds to each problem (cents) and why: ideal (exact to 2**-64), capped, fund short."""

    fund: int
    target: int  # the cents handed out: the whole fund when it is short, else the capped ideals' sum
    matches: Mapping[str, int]
    ideal: Mapping[str, Fraction]
    capped: frozenset[str]  # problems whose ideal match is above the per-problem cap
    fund_short: bool  # the capped ideal matches add up to more than the fund: it is shared
    filled: frozenset[str] = frozenset()  # problems whose ideal match is above what their cost needs

    @property
    def unallocated(self) -> int:
        return self.fund - sum(self.matches.values())


def capped_contribution(given_cents: int, backer_cap: int) -> int:
    """One resident's contribution to one problem as the match counts it (all their backings, capped)."""
    if given_cents < 0 or backer_cap < 0:
        raise ValueError("contributions and caps must not be negative")
    return given_cents if given_cents < backer_cap else backer_cap


def period_match(
    contributions: Mapping[str, Sequence[int]],
    fund: int,
    problem_cap: int,
    needs: Mapping[str, int] | None = None,
) -> PeriodMatch:
    """The match of every problem, from each problem's counted contributions (already backer-capped);
    `needs`: what each problem's cost still needs (cents, not negative; a problem left out needs any)."""
    if fund < 0 or problem_cap < 0 or any(n < 0 for n in (needs or {}).values()):
        raise ValueError("fund, cap and needs must not be negative")
    need = needs or {}
    caps = {pid: min(problem_cap, need.get(pid, problem_cap)) for pid in contributions}
    weights = {pid: ideal_weight(list(amounts)) for pid, amounts in contributions.items()}
    capped_total = sum(min(w, caps[pid] * _SCALE) for pid, w in weights.items())
    nearest = (2 * capped_total + _SCALE) // (2 * _SCALE)
    target = min(fund, nearest)
    result = quadratic_funding(contributions, target, cap=caps)
    return PeriodMatch(
        fund=fund,
        target=target,
        matches=dict(result.matches),
        ideal={pid: Fraction(w, _SCALE) for pid, w in weights.items()},
        capped=frozenset(pid for pid, w in weights.items() if w > problem_cap * _SCALE),
        fund_short=nearest > fund,
        filled=frozenset(pid for pid, w in weights.items() if pid in need and w > need[pid] * _SCALE),
    )
