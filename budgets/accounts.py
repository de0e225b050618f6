"""The ledger's chart of accounts: account names and posting kinds, built and read back in one place.

Every line moves integer cents: + into the account, - out of it; a posting's lines sum to zero.

    resident:<user_id>        a resident's own money, outside the platform (goes negative as they pledge;
                              refunds bring it back towards zero)
    city:match                the city's matching budget, outside the platform
    pool:<pool_id>:available  money a pool holds that no round has spent or carried over yet
    pool:<pool_id>:rollover   money a tallied round carried over to the next round (still the pool's)
    issue:<issue_id>:funded   money committed to an issue: allocated by a round's tally or a funded
                              campaign's escrow; payouts draw from it
    issue:<issue_id>:escrow   residents' backings of an issue (and its posted city match) while its
                              campaign runs
    payee:<payout_id>         whoever a payout paid (a contractor or a city department), outside the
                              platform: one account per recorded payout, so every euro paid is traceable
                              to its invoice

Posting kinds and their lines:

    pledge      resident:<u> -x, pool:<p>:available +x            (when a pledge is confirmed)
    match       city:match -x, pool:<p>:available +x
    allocation  pool:<p>:rollover/available -sum, issue:<i>:funded +x_i ...
    refund      pool:<p>:rollover/available -sum, resident:<u> +x_u ..., city:match +x_c
    rollover    pool:<p>:available -x, pool:<p>:rollover +x
    backing     resident:<u> -x, issue:<i>:escrow +x                 (a backing is paid)
    qf_match    city:match -x, issue:<i>:escrow +x                   (a matching period closes)
    commit      issue:<i>:escrow -x, issue:<i>:funded +x             (the campaign is funded)
    unback      issue:<i>:escrow -sum, resident:<u> +x ..., city:match +x_c, pool:<p>:available +x_p
                                                                     (refunds or moves to a pool)
    payout      issue:<i>:funded -x, payee:<payout_id> +x            (an official records a payout;
                                                                     never more than the account holds)
    return      issue:<i>:funded -sum, pool:<p>:available +x_p, resident:<u> +x_u, city:match +x_c
                                                                     (the remainder of a fix, back where it
                                                                     came from, pro rata: one posting per
                                                                     pool, one for residents and the city)
"""

from __future__ import annotations

import re


class PostingKind:
    PLEDGE = "pledge"
    MATCH = "match"
    ALLOCATION = "allocation"
    REFUND = "refund"
    ROLLOVER = "rollover"
    BACKING = "backing"
    QF_MATCH = "qf_match"
    COMMIT = "commit"
    UNBACK = "unback"
    PAYOUT = "payout"
    RETURN = "return"


CITY_MATCH = "city:match"
RESIDENT_PREFIX = "resident:"
POOL_PREFIX = "pool:"
ISSUE_PREFIX = "issue:"
PAYEE_PREFIX = "payee:"
ROLLOVER_SUFFIX = ":rollover"

_POOL = re.compile(r"pool:([0-9]+):(available|rollover)", re.ASCII)
_ISSUE = re.compile(r"issue:([0-9]+):funded", re.ASCII)
_ESCROW = re.compile(r"issue:([0-9]+):escrow", re.ASCII)


def resident_account(user_id: int) -> str:
    return f"{RESIDENT_PREFIX}{user_id}"


def available_account(pool_id: int) -> str:
    return f"{POOL_PREFIX}{pool_id}:available"


def rollover_account(pool_id: int) -> str:
    return f"{POOL_PREFIX}{pool_id}{ROLLOVER_SUFFIX}"


def issue_account(issue_id: int) -> str:
    return f"{ISSUE_PREFIX}{issue_id}:funded"


def escrow_account(issue_id: int) -> str:
    return f"{ISSUE_PREFIX}{issue_id}:escrow"


def payee_account(payout_id: int) -> str:
    return f"{PAYEE_PREFIX}{payout_id}"


def is_payee_account(account: str) -> bool:
    return account.startswith(PAYEE_PREFIX)


def escrow_of_account(account: str) -> int | None:
    """The issue id of an issue:<id>:escrow account, else None."""
    found = _ESCROW.fullmatch(account)
    return int(found[1]) if found else None


def pool_of_account(account: str) -> int | None:
    """The pool id of a pool:<id>:available or pool:<id>:rollover account, else None."""
    found = _POOL.fullmatch(account)
    return int(found[1]) if found else None


def issue_of_account(account: str) -> int | None:
    """The issue id of an issue:<id>:funded account, else None."""
    found = _ISSUE.fullmatch(account)
    return int(found[1]) if found else None


def is_resident_account(account: str) -> bool:
    return account.startswith(RESIDENT_PREFIX)


def is_rollover_account(account: str) -> bool:
    return pool_of_account(account) is not None and account.endswith(ROLLOVER_SUFFIX)
