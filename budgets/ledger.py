"""Pure double-entry ledger: postings of integer-cent lines, balances, invariants, exact pro-rata splits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from budgets.accounts import (
    CITY_MATCH,
    POOL_PREFIX,
    PostingKind,
    escrow_of_account,
    is_resident_account,
    is_rollover_account,
    issue_of_account,
    pool_of_account,
)

# The only kinds whose lines may touch a problem's escrow account.
ESCROW_KINDS = frozenset({PostingKind.BACKING, PostingKind.QF_MATCH, PostingKind.COMMIT, PostingKind.UNBACK})

# Posting kinds whose outside lines (not pool:...) are inflows and outflows of a pool.
INFLOW_KINDS = (PostingKind.PLEDGE, PostingKind.MATCH)
OUTFLOW_KINDS = (PostingKind.ALLOCATION, PostingKind.REFUND)


class LedgerError(ValueError):
    """A posting that may not be recorded: unbalanced, non-integer or zero amounts, no lines."""


@dataclass(frozen=True)
class Line:
    """Cents moved into (+) or out of (-) an account."""

    account: str
    amount_cents: int


@dataclass(frozen=True)
class Posting:
    id: int
    kind: str
    pool_id: int | None  # None: a problem's own money (backings, escrow), outside any pool
    lines: tuple[Line, ...]
    round_id: int | None = None
    pledge_id: int | None = None
    memo: str = ""


@dataclass(frozen=True)
class Violation:
    """The first broken invariant: which rule, where, and a sentence a treasurer can read."""

    rule: str
    posting_id: int | None
    pool_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"posting {self.posting_id}" if self.posting_id is not None else f"pool {self.pool_id}"
        return f"{self.rule} ({where}): {self.message}"


def validate_lines(lines: Sequence[Line]) -> None:
    """Raise LedgerError unless the lines are integer, non-zero, and sum to zero (two at least)."""
    if len(lines) < 2:
        raise LedgerError("a posting needs at least two lines")
    for line in lines:
        if type(line.amount_cents) is not int:
            raise LedgerError(f"{line.account}: amounts are whole cents (int), not {line.amount_cents!r}")
        if line.amount_cents == 0:
            raise LedgerError(f"{line.account}: a line of 0 cents records nothing")
        if not line.account:
            raise LedgerError("every line needs an account")
    total = sum(line.amount_cents for line in lines)
    if total != 0:
        raise LedgerError(f"lines sum to {total} cents, not 0")


def balances(postings: Iterable[Posting]) -> dict[str, int]:
    """Each account's balance: the sum of its lines."""
    result: dict[str, int] = {}
    for posting in postings:
        for line in posting.lines:
            result[line.account] = result.get(line.account, 0) + line.amount_cents
    return result


@dataclass
class PoolFigures:
    """Per-pool totals by flow (from outside lines) and holdings (from the pool's own accounts)."""

    pledged: int = 0
    matched: int = 0
    allocated: int = 0
    refunded: int = 0
    returned: int = 0  # a fix's unspent remainder given back to the pool
    held: int = 0  # pool:<id>:available
    rolled_over: int = 0  # pool:<id>:rollover
    accounts: dict[str, int] = field(default_factory=dict)


def pool_figures(postings: Iterable[Posting]) -> dict[int, PoolFigures]:
    """Totals per pool: inflows by kind, outflows by kind, and the pool accounts' balances."""
    figures: dict[int, PoolFigures] = {}
    for posting in postings:
        if posting.pool_id is None:
            continue
        fig = figures.setdefault(posting.pool_id, PoolFigures())
        outside = -sum(ln.amount_cents for ln in posting.lines if pool_of_account(ln.account) is None)
        # outside > 0: money came in from residents/city; < 0: money left the pool.
        if posting.kind == "pledge":
            fig.pledged += outside
        elif posting.kind == "match":
            fig.matched += outside
        elif posting.kind == "allocation":
            fig.allocated -= outside
        elif posting.kind == "refund":
            fig.refunded -= outside
        elif posting.kind == PostingKind.RETURN:
            fig.returned += outside
        for line in posting.lines:
            if pool_of_account(line.account) is not None:
                fig.accounts[line.account] = fig.accounts.get(line.account, 0) + line.amount_cents
                if is_rollover_account(line.account):
                    fig.rolled_over += line.amount_cents
                else:
                    fig.held += line.amount_cents
    return figures


def first_violation(
    postings: Iterable[Posting],
    confirmed_pledges: Mapping[int, int] | None = None,
    backings: Mapping[int, int] | None = None,
) -> Violation | None:
    """Check every invariant over postings in posting order; return the first one broken, or None.

    1. every posting has integer, non-zero lines summing to zero;
    2. a posting only touches its own pool's accounts;
    3. no pool account, and no problem's account (issue:<i>:funded, issue:<i>:escrow), is ever
       negative after any posting: a payout never spends more than the problem holds;
    4. per pool: pledged + matched + returned = allocated + refunded + rolled over + held;
    5. (if confirmed_pledges given: pool id -> cents from the pledges table) the ledger's pledges
       per pool equal the confirmed pledges recorded there;
    6. no issue account (escrow or funded) is ever negative, and the backings' money is conserved
       (escrow_violation; with `backings`: issue id -> cents of every backing ever paid, from the
       backings table, the ledger's backing postings per issue equal it).
    """
    running: dict[str, int] = {}
    seen: list[Posting] = []
    for posting in sorted(postings, key=lambda p: p.id):
        try:
            validate_lines(posting.lines)
        except LedgerError as exc:
            return Violation("balanced", posting.id, posting.pool_id, str(exc))
        for line in posting.lines:
            owner = pool_of_account(line.account)
            if line.account.startswith(POOL_PREFIX) and owner != posting.pool_id:
                return Violation(
                    "own-pool",
                    posting.id,
                    posting.pool_id,
                    f"line on {line.account} in a posting of pool {posting.pool_id}",
                )
            running[line.account] = running.get(line.account, 0) + line.amount_cents
        for line in posting.lines:
            if _is_owned(line.account) and running[line.account] < 0:
                return Violation(
                    "non-negative",
                    posting.id,
                    posting.pool_id,
                    f"{line.account} would be {running[line.account]} cents after this posting",
                )
        seen.append(posting)
    escrow = escrow_violation(seen, backings)
    if escrow is not None:
        return escrow
    figures = pool_figures(seen)
    for pool_id in sorted(figures):
        fig = figures[pool_id]
        inflow = fig.pledged + fig.matched + fig.returned
        outflow = fig.allocated + fig.refunded + fig.rolled_over + fig.held
        if inflow != outflow:
            return Violation(
                "conservation",
                None,
                pool_id,
                f"pledged {fig.pledged} + matched {fig.matched} + returned {fig.returned} != "
                f"allocated {fig.allocated} + refunded {fig.refunded} + "
                f"rolled over {fig.rolled_over} + held {fig.held}",
            )
    if confirmed_pledges is not None:
        for pool_id in sorted(set(confirmed_pledges) | set(figures)):
            recorded = confirmed_pledges.get(pool_id, 0)
            posted = figures[pool_id].pledged if pool_id in figures else 0
            if recorded != posted:
                return Violation(
                    "pledges-posted",
                    None,
                    pool_id,
                    f"confirmed pledges total {recorded} cents; the ledger holds {posted} cents of pledges",
                )
    return None


def _issue_money(account: str) -> int | None:
    found = escrow_of_account(account)
    return found if found is not None else issue_of_account(account)


@dataclass
class EscrowFlows:
    """One problem's escrow: what residents backed and got back, and the city's match and its return."""

    backed: dict[str, int] = field(default_factory=dict)  # resident account -> cents backed
    returned: dict[str, int] = field(default_factory=dict)  # resident account -> cents unbacked
    matched: int = 0
    match_returned: int = 0


def escrow_violation(
    postings: Sequence[Posting], backings: Mapping[int, int] | None = None
) -> Violation | None:
    """The backings' money is conserved: escrow accounts move only in backing, qf_match, commit and
    unback postings; a posting touches one problem's escrow; no resident gets more back from a
    problem than they backed it with, nor the city more than its match; with `backings` (issue id ->
    cents of every backing paid, from the backings table) the backing postings equal it per issue."""
    flows: dict[int, EscrowFlows] = {}
    for posting in sorted(postings, key=lambda p: p.id):
        issues = {i for ln in posting.lines if (i := escrow_of_account(ln.account)) is not None}
        if not issues:
            continue
        if posting.kind not in ESCROW_KINDS or len(issues) > 1:
            return Violation(
                "escrow-kinds", posting.id, posting.pool_id, f"a {posting.kind} posting moves escrow {issues}"
            )
        flow = flows.setdefault(issues.pop(), EscrowFlows())
        for line in posting.lines:
            if posting.kind == PostingKind.BACKING and is_resident_account(line.account):
                flow.backed[line.account] = flow.backed.get(line.account, 0) - line.amount_cents
            elif posting.kind == PostingKind.UNBACK and is_resident_account(line.account):
                flow.returned[line.account] = flow.returned.get(line.account, 0) + line.amount_cents
            elif posting.kind == PostingKind.QF_MATCH and line.account == CITY_MATCH:
                flow.matched -= line.amount_cents
            elif posting.kind == PostingKind.UNBACK and line.account == CITY_MATCH:
                flow.match_returned += line.amount_cents
        over = [a for a, cents in flow.returned.items() if cents > flow.backed.get(a, 0)]
        if over or flow.match_returned > flow.matched:
            who = over[0] if over else CITY_MATCH
            return Violation(
                "escrow-conservation",
                posting.id,
                posting.pool_id,
                f"{who} got more back from a problem's escrow than it put in",
            )
    if backings is not None:
        for issue_id in sorted(set(backings) | set(flows)):
            posted = sum(flows[issue_id].backed.values()) if issue_id in flows else 0
            if posted != backings.get(issue_id, 0):
                return Violation(
                    "backings-posted",
                    None,
                    None,
                    f"problem {issue_id}: backings total {backings.get(issue_id, 0)} cents; the ledger "
                    f"holds {posted} cents of backings",
                )
    return None


def _is_owned(account: str) -> bool:
    """An account the platform holds (a pool's or a problem's), which may never go below zero."""
    return (
        pool_of_account(account) is not None
        or issue_of_account(account) is not None
        or escrow_of_account(account) is not None
    )


def largest_remainder_split(total: int, weights: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Split `total` cents in proportion to weights, exactly: floors, then +1 by largest remainder.

    Ties go to the lower key. Zero-weight entries get nothing. Parts always sum to `total`.
    """
    if total < 0:
        raise LedgerError("cannot split a negative amount")
    positive = [(key, w) for key, w in weights if w > 0]
    weight_sum = sum(w for _, w in positive)
    if total == 0 or not positive:
        if total:
            raise LedgerError("nobody to split a positive amount between")
        return []
    shares = {key: total * w // weight_sum for key, w in positive}
    remainders = sorted(positive, key=lambda kw: (-(total * kw[1] % weight_sum), kw[0]))
    for key, _ in remainders[: total - sum(shares.values())]:
        shares[key] += 1
    return [(key, shares[key]) for key, _ in positive if shares[key] > 0]
