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
AVAILABLE_SUFFIX = ":available"
ROLLOVER_SUFFIX = ":rollover"
FUNDED_SUFFIX = ":funded"
ESCROW_SUFFIX = ":escrow"


def _numbered(prefix: str, *suffixes: str) -> re.Pattern[str]:
    """<prefix><digits><one of suffixes>, the digits captured."""
    ends = "|".join(re.escape(s) for s in suffixes)
    return re.compile(f"{re.escape(prefix)}([0-9]+)(?:{ends})", re.ASCII)


_POOL = _numbered(POOL_PREFIX, AVAILABLE_SUFFIX, ROLLOVER_SUFFIX)
_ISSUE = _numbered(ISSUE_PREFIX, FUNDED_SUFFIX)
_ESCROW = _numbered(ISSUE_PREFIX, ESCROW_SUFFIX)


class AccountClass:
    """What an account is, as the money flow tells accounts apart (`ACCOUNT_CLASSES`)."""

    RESIDENT = "resident"
    CITY_MATCH = "city_match"
    POOL = "pool"  # a pool's available or rollover account
    OTHER_POOL = "other_pool"  # on one pool's flow: another pool's account
    FUNDED = "funded"  # issue:<id>:funded
    ESCROW = "escrow"  # issue:<id>:escrow
    PAYEE = "payee"
    OTHER = "other"


# Each class's accounts as SQL LIKE patterns (`%`: any text), tested in this order; no other account is
# of a class. Built from the names above, as the builders and readers below are: the database groups
# ledger lines by these (app/services/funding/account_classes.py), and any account a builder here makes
# is of the class its reader says (tests/budgets/test_account_classes.py).
ACCOUNT_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (AccountClass.RESIDENT, (f"{RESIDENT_PREFIX}%",)),
    (AccountClass.CITY_MATCH, (CITY_MATCH,)),
    (AccountClass.POOL, (f"{POOL_PREFIX}%{AVAILABLE_SUFFIX}", f"{POOL_PREFIX}%{ROLLOVER_SUFFIX}")),
    (AccountClass.FUNDED, (f"{ISSUE_PREFIX}%{FUNDED_SUFFIX}",)),
    (AccountClass.ESCROW, (f"{ISSUE_PREFIX}%{ESCROW_SUFFIX}",)),
    (AccountClass.PAYEE, (f"{PAYEE_PREFIX}%",)),
)


def resident_account(user_id: int) -> str:
    return f"{RESIDENT_PREFIX}{user_id}"


def available_account(pool_id: int) -> str:
    return f"{POOL_PREFIX}{pool_id}{AVAILABLE_SUFFIX}"


def rollover_account(pool_id: int) -> str:
    return f"{POOL_PREFIX}{pool_id}{ROLLOVER_SUFFIX}"


def issue_account(issue_id: int) -> str:
    return f"{ISSUE_PREFIX}{issue_id}{FUNDED_SUFFIX}"


def escrow_account(issue_id: int) -> str:
    return f"{ISSUE_PREFIX}{issue_id}{ESCROW_SUFFIX}"


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
