"""Quadratic funding of a matching pool in integer cents, split by largest remainders to sum exactly.

Each project's ideal match is (sum of the square roots of its contributions)^2 - (sum of its
contributions). The pool is capital-constrained: it is shared in proportion to the ideal
matches, so all of it is distributed. With a per-project cap, a project's match never exceeds
the cap and the excess is shared among the others the same way; money that no project can take
is reported as unallocated.

Square roots are irrational, so the ideal matches are computed in fixed point with 64 extra bits
(integer square roots): every project gets the same deterministic integer weight on every
machine. Shares are exact rationals of those weights; whole cents go first, then the remaining
cents one by one to the largest fractional parts, ties to the earlier listed project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import isqrt

from budgets.allocation import Explanation, money

_BITS = 64


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The match of each project (cents), what stayed unallocated, and an explanation per project."""

    pool: int
    matches: Mapping[str, int]
    unallocated: int
    explanations: Mapping[str, Explanation]


def ideal_weight(contributions: Sequence[int]) -> int:
    """The ideal QF match scaled by 4**64, as an integer (floor square roots in fixed point)."""
    if min(contributions, default=0) < 0:
        raise ValueError("contributions must not be negative")
    roots = sum(map(_root, contributions))
    return max(roots * roots - (sum(contributions) << (2 * _BITS)), 0)


@lru_cache(maxsize=1 << 16)
def _root(cents: int) -> int:
    """floor(sqrt(cents) * 2**64); contributions repeat a few amounts (5.00, 10.00), so each is taken once."""
    return isqrt(cents << (2 * _BITS))


def _shares(weights: dict[str, int], pool: int, caps: Mapping[str, int]) -> tuple[dict[str, int], int]:
    """Exact shares of the pool, proportional to weight, none above its cap (water-filling).

    `caps` holds each capped project's cap (a project it leaves out is uncapped). Every share is
    returned as a numerator over one common denominator (the weight of the projects left uncapped; a
    capped share is its cap * denominator). What is left to share stays a whole number of cents: the
    pool less whole caps.
    """
    open_ids = [pid for pid, w in weights.items() if w > 0]
    capped: list[str] = []
    left = pool
    while open_ids and left > 0:
        total = sum(weights[pid] for pid in open_ids)
        over = [pid for pid in open_ids if pid in caps and left * weights[pid] > caps[pid] * total]
        if not over:
            break
        capped.extend(over)
        left -= sum(caps[pid] for pid in over)
        gone = set(over)
        open_ids = [pid for pid in open_ids if pid not in gone]
    denominator = sum(weights[pid] for pid in open_ids) or 1
    numerators = dict.fromkeys(weights, 0)
    for pid in capped:
        numerators[pid] = caps[pid] * denominator
    if left > 0:
        for pid in open_ids:
            numerators[pid] = left * weights[pid]
    return numerators, denominator


def _caps(weights: Mapping[str, int], cap: int | Mapping[str, int] | None) -> dict[str, int]:
    """Each capped project's cap (none negative)."""
    if isinstance(cap, int) and cap < 0:
        raise ValueError("pool and cap must not be negative")
    caps = {} if cap is None else dict.fromkeys(weights, cap) if isinstance(cap, int) else dict(cap)
    if any(c < 0 for c in caps.values()):
        raise ValueError("pool and cap must not be negative")
    return caps


def quadratic_funding(
    contributions: Mapping[str, Sequence[int]], pool: int, *, cap: int | Mapping[str, int] | None = None
) -> MatchResult:
    """Split a matching `pool` (cents) over projects given each project's contributions (cents);
    `cap` caps every project's match alike, or each project's as a mapping gives it."""
    weights = {pid: ideal_weight(list(amounts)) for pid, amounts in contributions.items()}
    caps = _caps(weights, cap)
    if pool < 0:
        raise ValueError("pool and cap must not be negative")
    numerators, denominator = _shares(weights, pool, caps)
    split = {pid: divmod(n, denominator) for pid, n in numerators.items()}
    matches = {pid: whole for pid, (whole, _part) in split.items()}
    target = sum(numerators.values()) // denominator  # whole cents to hand out (pool, or less if capped)
    spare = target - sum(matches.values())
    position = {pid: n for n, pid in enumerate(numerators)}
    order = sorted(numerators, key=lambda pid: (-split[pid][1], position[pid]))
    for pid in order[:spare]:
        matches[pid] += 1
    explanations: dict[str, Explanation] = {}
    total_weight = sum(weights.values())
    for pid, amounts in contributions.items():
        raised = sum(amounts)
        ideal = Fraction(weights[pid], 1 << (2 * _BITS))
        if weights[pid] == 0:
            reason = "no match: a project needs contributions from two or more people to earn a match"
        else:
            capped = " (capped)" if pid in caps and matches[pid] >= caps[pid] else ""
            reason = (
                f"matched {money(matches[pid])}{capped}: {len(amounts)} contributions raised "
                f"{money(raised)}, ideal match {float(ideal):,.2f}, "
                f"{float(Fraction(weights[pid], total_weight)):.2%} of all ideal matches"
            )
        explanations[pid] = Explanation(pid, matches[pid] > 0, raised, reason, matches[pid])
    return MatchResult(pool, matches, pool - sum(matches.values()), explanations)
