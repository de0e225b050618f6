"""The city's matching money: a ratio with a cap, applied once per (pool, round)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class MatchResult:
    match_id: int
    base_cents: int  # the confirmed pledges this match covered (each pledged cent is matched once)
    matched_cents: int  # min(cap, floor(base * num / den))
    created: bool  # False when this (pool, round) had already been matched


def apply_match(
    session: Session,
    pool_id: int,
    round_id: int | None,
    ratio_num: int,
    ratio_den: int,
    cap_cents: int,
    official_id: int | None = None,
) -> MatchResult:
    """Match the pool's not-yet-matched confirmed pledges: min(cap, floor(base*num/den)) cents.

    Part B calls this at tally with the round's terms; a second call for the same (pool, round)
    returns the first result (unique key), so concurrent tallies match once. round_id=None is a
    match an official makes by hand from the pool page. Posts a `match` ledger posting when the
    amount is positive. Raises ValidationError (ratio_num / ratio_den / cap_cents) on bad terms.
    """
    raise NotImplementedError
