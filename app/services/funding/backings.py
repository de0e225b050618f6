"""Backings: a resident's idempotent, capped micro-investment in one costed open problem, and its figures.

The money is posted (kind BACKING: resident:<u> -x, issue:<i>:escrow +x) when the payment provider
confirms it, in the request that makes it; with a provider that waits (the shipped one) the backing is
stored `pending` and posted when the city's cashier confirms it (backing_confirmation.py). Settlement
(backing_settlement.py) later commits the escrow to the problem or returns it. Every write to one
problem's backings runs under the problem's money lock (ledger.lock_issue_money), so the cap, the
deadline and "already funded" are checked exactly even when many residents back the same problem at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.database.sessions import DbSession, execute_write
from app.database.spellings import insert_ignoring_duplicates
from app.models import Issue, LedgerLine, LedgerPosting, Status, User
from app.models.backing import CURRENCY, Backing, BackingFallback, BackingStatus
from app.models.place import StatusType
from app.models.timestamps import utcnow
from app.services.funding import ledger, pending_backings
from app.services.funding.backing_limits import (
    LIVE_STATUSES,
    backed_by,
    check_amount_cents,
    check_needed,
    default_backer_cap,
    open_period,
)
from app.services.funding.backing_mail import mail_backer
from app.services.funding.backing_settlement import held_deadline, settle_issue
from app.services.funding.idempotency import check_idempotency_key, earlier_request, key_reused
from app.services.funding.payments import PaymentProvider
from app.services.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.kernel.roles import require_confirmed
from app.services.workflow import estimates
from budgets.accounts import CITY_MATCH, escrow_account, issue_account
from budgets.money import format_money

# Posted from issue:<i>:funded by the payouts of issue 18 item 4.
PAYOUT_KIND = "payout"


@dataclass(frozen=True)
class BackingOutcome:
    backing: Backing
    created: bool  # False: the Idempotency-Key had been used already; this is the earlier backing
    settled: str  # what settlement did right after (backing_settlement.Settled), or the replay's status


@dataclass(frozen=True)
class IssueFunding:
    """The money behind one costed problem, derived from the backings table and the ledger."""

    cost_cents: int
    backed_cents: int  # held + committed backings
    backers: int  # residents with a held or committed backing
    match_cents: int  # the city's quadratic match posted to the escrow so far
    paid_cents: int  # payouts posted from issue:<i>:funded so far
    deadline: datetime | None  # the campaign's deadline (its matching period's closes_at)
    # What a backing made now waits for: its matching period's closes_at, None (held until funded or
    # closed) outside any period. It differs from `deadline` once the held backings' period was closed
    # by hand before its deadline (they still go back then; a backing made after the close does not).
    new_backing_deadline: datetime | None
    committed: bool  # the problem is funded (its escrow committed, or a certified round's allocation)
    backer_cap_cents: int  # the most one resident may back this problem with now
    pending_cents: int = 0  # pending backings the city's cashier has not confirmed (not in backed_cents)
    pool_cents: int = 0  # what neighbourhood pools allocated to the problem (certified rounds)
    returned_cents: int = 0  # of its committed money, what officials returned unspent

    @property
    def all_returned(self) -> bool:
        """Committed, then every cent returned unspent with nothing paid: no money stands behind it now
        (found from outside: such a problem still read "Funded" with a full bar)."""
        raised = self.backed_cents + self.match_cents + self.pool_cents
        return self.committed and self.paid_cents == 0 and 0 < raised <= self.returned_cents


def is_committed(session: DbSession, issue_id: int) -> bool:
    """The problem's backings were committed (its escrow funded it)."""
    return bool(
        session.scalar(
            select(Backing.id)
            .where(Backing.issue_id == issue_id, Backing.status == BackingStatus.COMMITTED.value)
            .limit(1)
        )
    )


def is_funded(session: DbSession, issue_id: int) -> bool:
    """Money was ever committed to the problem: its backers' escrow, or a certified round's allocation."""
    return bool(
        session.scalar(
            select(LedgerLine.id)
            .where(LedgerLine.account == issue_account(issue_id), LedgerLine.amount_cents > 0)
            .limit(1)
        )
    )


def funded_among(session: DbSession, issue_ids: list[int]) -> set[int]:
    """Which of the problems are funded (`is_funded` of many, in one query)."""
    accounts = {issue_account(i): i for i in issue_ids}
    if not accounts:
        return set()
    found = session.scalars(
        select(LedgerLine.account)
        .where(LedgerLine.account.in_(list(accounts)), LedgerLine.amount_cents > 0)
        .distinct()
    )
    return {accounts[account] for account in found}


def check_fallback(raw: object) -> str:
    if raw is None:
        return BackingFallback.REFUND.value
    if raw not in (BackingFallback.REFUND.value, BackingFallback.POOL.value):
        raise ValidationError('fallback must be "refund" or "pool".', "fallback")
    return str(raw)


def _check_backable(session: DbSession, issue: Issue, now: datetime) -> None:
    """A visible, costed, open problem that is not funded yet and whose campaign has not ended."""
    if issue.is_hidden:
        raise NotFound(f"There is no issue {issue.id}.", "issue_id")
    status_type = session.scalar(select(Status.type).where(Status.code == issue.status))
    if status_type != StatusType.OPEN.value or issue.duplicate_of_id is not None:
        raise Conflict("This problem is closed: it cannot be backed.", "issue_id")
    if not issue.cost_estimate_cents:
        raise Conflict(
            "This problem has no cost estimate from the city yet, so it cannot be backed.", "issue_id"
        )
    if is_funded(session, issue.id):
        raise Conflict("This problem is already funded: it needs no more backing.", "issue_id")
    deadline = held_deadline(session, issue.id)
    if deadline is not None and deadline <= now:
        raise Conflict(
            "This problem's campaign has ended; its backers are being refunded. Back it again later.",
            "issue_id",
        )


def back(
    session: DbSession,
    user: User,
    issue_id: int,
    amount_cents: object,
    idempotency_key: object,
    provider: PaymentProvider,
    now: datetime,
    *,
    fallback: object = None,
    show_name: bool = False,
) -> BackingOutcome:
    """Record and post a backing once per (resident, key); a retry returns the first (created=False).

    The same key with another problem or amount is a 409. The backing joins the matching period open
    for the problem's area at `now` (if any); the resident's total behind the problem is capped by the
    period's backer_cap_cents, or BACKING_DEFAULT_CAP_CENTS without a period. With a provider that
    confirms at once the money is posted and the problem settled right after (funded when its escrow
    reaches its cost); otherwise the backing is stored `pending` (settled "pending") and nothing is posted
    until an official confirms it. Never commits.
    """
    key = check_idempotency_key(idempotency_key, "backing")
    if user.is_blocked:
        raise PermissionDenied("This account is blocked and cannot back problems.")
    require_confirmed(user)
    earlier = earlier_request(session, Backing, user.id, key)
    if earlier is not None:
        return _replay(earlier, issue_id, amount_cents)
    chosen = check_fallback(fallback)
    at_once = provider.confirms_immediately()
    ledger.lock_issue_money(session, issue_id)  # serialises this problem's backings from here on
    issue = session.scalar(
        select(Issue).where(Issue.id == issue_id).execution_options(populate_existing=True)
    )
    if issue is None:
        raise NotFound(f"There is no issue {issue_id}.", "issue_id")
    _check_backable(session, issue, now)
    period = open_period(session, issue, now)
    cap = period.backer_cap_cents if period is not None else default_backer_cap()
    cents = check_amount_cents(amount_cents, cap, backed_by(session, user.id, issue_id))
    check_needed(session, issue, cents)
    values = {
        "issue_id": issue_id,
        "user_id": user.id,
        "period_id": period.id if period is not None else None,
        "amount_cents": cents,
        "status": BackingStatus.HELD.value if at_once else BackingStatus.PENDING.value,
        "fallback": chosen,
        "show_name": bool(show_name),
        "provider": provider.name,
        "idempotency_key": key,
        "created_at": now,
    }
    inserted = execute_write(session, insert_ignoring_duplicates(session, Backing, **values)).rowcount
    found = earlier_request(session, Backing, user.id, key)
    assert found is not None
    if not inserted:  # a concurrent request with the same key won
        return _replay(found, issue_id, cents)
    if not at_once:
        mail_backer(session, issue, found, "pending")  # how to pay, with the reference, kept in the inbox
        return BackingOutcome(found, True, BackingStatus.PENDING.value)
    post_backing(session, found, now)
    settled = settle_issue(session, issue_id, now)
    session.refresh(found)
    return BackingOutcome(found, True, settled)


def post_backing(session: DbSession, found: Backing, now: datetime) -> None:
    """Post the backing's money into the problem's escrow (once: backing_id is unique in the ledger)."""
    user_id, issue_id, cents = found.user_id, found.issue_id, found.amount_cents
    assert user_id is not None, "a backing is posted while its resident exists"
    lines = [(ledger.resident_account(user_id), -cents), (escrow_account(issue_id), cents)]
    ledger.post(
        session,
        ledger.PostingKind.BACKING,
        f"Backing {found.id} of problem {issue_id}",
        lines,
        None,
        issue_id=issue_id,
        backing_id=found.id,
    )


def _replay(earlier: Backing, issue_id: int, amount_cents: object) -> BackingOutcome:
    if earlier.issue_id != issue_id or earlier.amount_cents != amount_cents:
        raise key_reused("backing")
    return BackingOutcome(earlier, False, earlier.status)


def _posted_cents(session: DbSession, kind: str, account: str) -> int:
    """The sum of the lines of postings of one kind on one account."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(LedgerLine.amount_cents), 0))
            .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
            .where(LedgerPosting.kind == kind, LedgerLine.account == account)
        )
        or 0
    )


def escrow_match_cents(session: DbSession, issue_id: int) -> int:
    """The city's quadratic match posted into the problem's escrow (QF_MATCH lines) and still with it:
    less what a campaign that ended unfunded gave back to the city (its UNBACK posting's city line).
    Found from outside: a merged problem, its backers refunded, still read "city match posted"."""
    returned = session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_cents), 0))
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(
            LedgerPosting.kind == ledger.PostingKind.UNBACK,
            LedgerPosting.issue_id == issue_id,
            LedgerLine.account == CITY_MATCH,
        )
    )
    return _posted_cents(session, ledger.PostingKind.QF_MATCH, escrow_account(issue_id)) - int(returned or 0)


def paid_cents(session: DbSession, issue_id: int) -> int:
    """Payouts drawn from issue:<i>:funded (kind "payout"): the money spent on the fix so far."""
    return -_posted_cents(session, PAYOUT_KIND, issue_account(issue_id))


def pool_allocated_cents(session: DbSession, issue_id: int) -> int:
    """What certified rounds allocated from neighbourhood pools to the problem (kind "allocation")."""
    return _posted_cents(session, ledger.PostingKind.ALLOCATION, issue_account(issue_id))


def issue_funding(session: DbSession, issue: Issue, now: datetime) -> IssueFunding | None:
    """The problem's money figures; None for a problem without a cost estimate."""
    if not issue.cost_estimate_cents:
        return None
    backed, backers = session.execute(
        select(
            func.coalesce(func.sum(Backing.amount_cents), 0), func.count(func.distinct(Backing.user_id))
        ).where(Backing.issue_id == issue.id, Backing.status.in_(LIVE_STATUSES))
    ).one()
    period = open_period(session, issue, now)
    new_backing_deadline = period.closes_at if period is not None else None
    deadline = held_deadline(session, issue.id) or new_backing_deadline
    return IssueFunding(
        cost_cents=issue.cost_estimate_cents,
        backed_cents=int(backed or 0),
        backers=int(backers or 0),
        match_cents=escrow_match_cents(session, issue.id),
        paid_cents=paid_cents(session, issue.id),
        deadline=deadline,
        new_backing_deadline=new_backing_deadline,
        committed=is_funded(session, issue.id),
        backer_cap_cents=period.backer_cap_cents if period is not None else default_backer_cap(),
        pending_cents=pending_backings.pending_cents(session, issue.id),
        pool_cents=pool_allocated_cents(session, issue.id),
        returned_cents=-_posted_cents(session, ledger.PostingKind.RETURN, issue_account(issue.id)),
    )


def my_backings(session: DbSession, user_id: int, issue_id: int) -> list[Backing]:
    return list(
        session.scalars(
            select(Backing)
            .where(Backing.user_id == user_id, Backing.issue_id == issue_id)
            .order_by(Backing.id.desc())
        )
    )


def paid_by_issue(session: DbSession) -> dict[int, int]:
    """Issue id -> cents of every backing ever paid (any status but pending or cancelled, which were never
    posted): ledger-check cross-checks it."""
    unpaid = (BackingStatus.PENDING.value, BackingStatus.CANCELLED.value)
    rows = session.execute(
        select(Backing.issue_id, func.sum(Backing.amount_cents))
        .where(Backing.status.not_in(unpaid))
        .group_by(Backing.issue_id)
    ).tuples()
    return {issue_id: int(total) for issue_id, total in rows}


def set_estimate_and_fund(
    session: DbSession, user: User, issue_id: int, cost_cents: object, *, fund_now: bool = False
) -> int:
    """Set a problem's estimate (workflow.estimates) and, when its campaign's escrow already holds the
    new cost, fund it now rather than at its deadline (found from outside: an estimate lowered to
    EUR 200.00 under EUR 232.05 raised left the problem unfunded, and open to more backings).

    Funding commits the whole escrow and cannot be undone, so it needs `fund_now` (409 naming the
    field otherwise; found from outside: EUR 5.00 typed for EUR 500.00 committed EUR 55.00 at once)."""
    cents = estimates.set_estimate(session, user, issue_id, cost_cents)
    held = ledger.account_balance(session, escrow_account(issue_id))
    if cents and held >= cents:
        if not fund_now:
            raise Conflict(_funds_at_once(issue_id, cents, held), "fund_now")
        settle_issue(session, issue_id, utcnow())
    return cents


def _funds_at_once(issue_id: int, cents: int, held: int) -> str:
    money = format_money(held, CURRENCY)
    above = held - cents
    extra = (
        f", {format_money(above, CURRENCY)} more than the estimate (what the fix does not cost is returned "
        "once it is paid)"
        if above
        else ""
    )
    return (
        f"An estimate of {format_money(cents, CURRENCY)} funds problem #{issue_id} at once: the {money} held "
        f"for it is committed to its fix{extra}, and that cannot be undone. To save it, tick “Yes, fund it "
        "now” (in the API, send fund_now: true)."
    )
