"""The pool ledger: post balanced money movements, derive pool balances, and the tally helpers for rounds.

Chart of accounts (every line moves integer cents: + into the account, - out of it; a posting's
lines sum to zero):

    resident:<user_id>        a resident's own money, outside the platform (goes negative as they pledge;
                              refunds bring it back towards zero)
    city:match                the city's matching budget, outside the platform
    pool:<pool_id>:available  money a pool holds that no round has spent or carried over yet
    pool:<pool_id>:rollover   money a tallied round carried over to the next round (still the pool's)
    issue:<issue_id>:funded   money allocated to an issue by a round's tally

Posting kinds and their lines:

    pledge      resident:<u> -x, pool:<p>:available +x            (when a pledge is confirmed)
    match       city:match -x, pool:<p>:available +x              (apply_match)
    allocation  pool:<p>:rollover/available -sum, issue:<i>:funded +x_i ...
    refund      pool:<p>:rollover/available -sum, resident:<u> +x_u ..., city:match +x_c
    rollover    pool:<p>:available -x, pool:<p>:rollover +x

Outflows draw from `rollover` first, then from `available`, so money carried over is spent first.
Pending pledges are not money yet: they live in the pledges table only and reach the ledger when
confirmed. Balances are always derived by summing lines; nothing stores a running total.
Nothing here updates or deletes a ledger row (see app/models/ledger.py and tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.models.ledger import LedgerPosting


class PostingKind:
    PLEDGE = "pledge"
    MATCH = "match"
    ALLOCATION = "allocation"
    REFUND = "refund"
    ROLLOVER = "rollover"


def resident_account(user_id: int) -> str:
    return f"resident:{user_id}"


CITY_MATCH = "city:match"


def available_account(pool_id: int) -> str:
    return f"pool:{pool_id}:available"


def rollover_account(pool_id: int) -> str:
    return f"pool:{pool_id}:rollover"


def issue_account(issue_id: int) -> str:
    return f"issue:{issue_id}:funded"


@dataclass(frozen=True)
class PoolBalance:
    """A pool's money, derived from the ledger (and, for pending, from the pledges table).

    confirmed_cents   confirmed pledges ever posted to the pool
    pending_cents     pledges awaiting a treasurer's confirmation (not yet money)
    matched_cents     the city's matching money ever posted
    allocated_cents   money allocated to issues by tallies
    refunded_cents    money returned to pledgers and the city
    rolled_over_cents money carried over from tallied rounds and not yet spent
    balance_cents     what the pool holds now (available + rolled over); what the next tally may spend
    Always: confirmed + matched = allocated + refunded + balance.
    """

    currency: str
    confirmed_cents: int
    pending_cents: int
    matched_cents: int
    allocated_cents: int
    refunded_cents: int
    rolled_over_cents: int
    balance_cents: int


def post(
    session: Session,
    kind: str,
    memo: str,
    lines: Iterable[tuple[str, int]],
    pool_id: int,
    round_id: int | None = None,
    pledge_id: int | None = None,
) -> LedgerPosting:
    """Append one posting with its lines (account, cents); flush; return it.

    Raises ValidationError if the lines do not sum to zero, an amount is not an int, a line is zero,
    or a pool account would go negative. Never commits.
    """
    raise NotImplementedError


def pool_balance(session: Session, pool_id: int) -> PoolBalance:
    """The pool's figures, summed from its ledger lines (pending from the pledges table)."""
    raise NotImplementedError


def post_allocation(
    session: Session, pool_id: int, round_id: int, allocations: Sequence[tuple[int, int]]
) -> LedgerPosting | None:
    """Post a round's allocation: [(issue_id, cents)], paid from the pool (rollover first).

    One posting for the whole allocation; entries with 0 cents are skipped; None if nothing to post.
    Raises ValidationError if the total exceeds the pool's balance or an amount is negative.
    """
    raise NotImplementedError


def post_refunds(
    session: Session, pool_id: int, round_id: int, leftover_cents: int
) -> LedgerPosting | None:
    """Return `leftover_cents` to where the pool's money came from, pro rata, exact to the cent.

    Sources are each pledger (their confirmed pledges minus what was refunded to them) and the city
    (its matches minus match refunds). The split is largest-remainder over those weights, ties to the
    lower account name, so the parts always sum to `leftover_cents`. One posting; None if 0.
    Raises ValidationError if leftover exceeds the balance.
    """
    raise NotImplementedError


def post_rollover(
    session: Session, pool_id: int, round_id: int, leftover_cents: int
) -> LedgerPosting | None:
    """Carry `leftover_cents` over to the next round: afterwards pool:<id>:rollover holds at least it.

    Moves what is missing from pool:<id>:available into pool:<id>:rollover; None if nothing moves.
    Raises ValidationError if leftover exceeds the balance.
    """
    raise NotImplementedError
