"""Settling a problem's escrow: commit it when the problem is funded, else return every backing once.

`settle_issue` is the one function everyone calls: after each backing, when a problem is closed or merged
(the issue-event signal, wired in create_app), when a certified round funds the problem, from the
periodic job for campaigns whose deadline passed, and before an account is deleted (`refund_backer`).
It takes the problem's money lock first and moves only backings still `held` (a guarded UPDATE), so
each backing is committed, refunded or moved exactly once however many callers race.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update

from app.database.sessions import DbSession, execute_write
from app.models import AuditEntry, Group, Issue, IssueEvent, LedgerLine, LedgerPosting, Pool, Status
from app.models.backing import (
    CURRENCY,
    MOVED_PROVIDER,
    Backing,
    BackingFallback,
    BackingStatus,
    MatchingPeriod,
)
from app.models.place import StatusType
from app.models.workflow import EventKind
from app.services.funding import ledger, pending_backings, pledges
from app.services.funding.backing_mail import mail_backer, mail_cancelled, moved_pledge_key
from app.services.issues import money_mail
from app.services.issues.events import on_issue_event
from app.services.workflow import status_changes as workflow
from budgets.accounts import CITY_MATCH, RESIDENT_PREFIX, escrow_account, issue_account
from budgets.money import format_money

PLANNED = "planned"


class Settled(StrEnum):
    NOTHING = "nothing"  # no held backing and an empty escrow
    HELD = "held"  # the campaign goes on
    COMMITTED = "committed"  # funded: escrow -> issue:<i>:funded
    UNBACKED = "unbacked"  # every held backing refunded or moved, the city's match returned


@dataclass(frozen=True)
class Returned:
    backing: Backing
    payer: str  # the resident:<u> account that paid it (from its BACKING posting)
    pool_id: int | None  # set when the money moves to this pool


def settle_issue(
    session: DbSession, issue_id: int, now: datetime, *, funded: bool = False, told: int | None = None
) -> str:
    """Commit, return or keep the problem's escrow; returns a Settled value. Flushes, never commits.

    Closed (not of type open) or merged problems are unbacked first, so a full escrow never reopens a
    closed problem. Else a problem whose escrow reaches its cost (or that a certified round funds:
    `funded`) is committed and moved to "planned"; else a problem whose campaign deadline has passed is
    unbacked. The "planned" move is the city's work programme acting, not a person: its timeline event
    has no actor (shown as city staff) and its audit entry says `by: campaign`. `told`: a backer whose
    own receipt says the problem is funded gets no "Funded" mail besides (found from outside: the backer
    whose payment completed it got both in the same second).
    """
    ledger.lock_issue_money(session, issue_id)
    issue = session.scalar(
        select(Issue).where(Issue.id == issue_id).execution_options(populate_existing=True)
    )
    assert issue is not None  # lock_issue_money raised NotFound otherwise
    held = list(
        session.scalars(
            select(Backing)
            .where(Backing.issue_id == issue_id, Backing.status == BackingStatus.HELD.value)
            .order_by(Backing.id)
            .execution_options(populate_existing=True)
        )
    )
    escrow = ledger.account_balance(session, escrow_account(issue_id))
    status_type = session.scalar(select(Status.type).where(Status.code == issue.status))
    closed = status_type != StatusType.OPEN.value or issue.duplicate_of_id is not None
    # Pending backings posted nothing: a closed, merged or funded problem, or an ended campaign, cancels them.
    reason = "closed" if closed else "funded" if funded else "deadline"
    cancelled = pending_backings.cancel_ended(
        session, issue_id, now, everything=closed or funded, reason=reason
    )
    mail_cancelled(session, issue, cancelled, reason)
    if not held and escrow == 0:
        return Settled.NOTHING.value
    cost = issue.cost_estimate_cents or 0
    if funded or (not closed and cost > 0 and escrow >= cost):
        _commit(session, issue, held, escrow, now, move_to_planned=not funded, told=told)
        cancelled = pending_backings.cancel_ended(session, issue_id, now, everything=True, reason="funded")
        mail_cancelled(session, issue, cancelled, "funded")
        return Settled.COMMITTED.value
    if closed:
        _unback(session, issue, held, [], escrow, now, "closed")
        return Settled.UNBACKED.value
    ended = _ended_periods(session, held, now)
    if ended:
        # Only the backings of the campaign that ended go back: one made after it (no period, or a later
        # one) belongs to the next campaign and stays held.
        returning = [b for b in held if b.period_id in ended]
        kept = [b for b in held if b.period_id not in ended]
        _unback(session, issue, returning, kept, escrow, now, "deadline")
        return Settled.UNBACKED.value
    return Settled.HELD.value


def _ended_periods(session: DbSession, held: list[Backing], now: datetime) -> set[int]:
    ids = {b.period_id for b in held if b.period_id is not None}
    if not ids:
        return set()
    return set(
        session.scalars(
            select(MatchingPeriod.id).where(MatchingPeriod.id.in_(ids), MatchingPeriod.closes_at <= now)
        )
    )


def held_deadline(session: DbSession, issue_id: int) -> datetime | None:
    """The earliest deadline among the periods of the problem's held backings (None: no period)."""
    found: datetime | None = session.scalar(
        select(func.min(MatchingPeriod.closes_at))
        .join(Backing, Backing.period_id == MatchingPeriod.id)
        .where(Backing.issue_id == issue_id, Backing.status == BackingStatus.HELD.value)
    )
    return found


def _mark(session: DbSession, ids: list[int], status: str, now: datetime) -> None:
    if not ids:
        return
    moved = execute_write(
        session,
        update(Backing)
        .where(Backing.id.in_(ids), Backing.status == BackingStatus.HELD.value)
        .values(status=status, settled_at=now)
        .execution_options(synchronize_session=False),
    ).rowcount
    # The issue lock serialises settlements, so every held backing read under it is still held.
    assert moved == len(ids), "a backing was settled outside the issue's lock"


def _commit(
    session: DbSession,
    issue: Issue,
    held: list[Backing],
    escrow: int,
    now: datetime,
    *,
    move_to_planned: bool,
    told: int | None = None,
) -> None:
    if escrow > 0:
        lines = [(escrow_account(issue.id), -escrow), (issue_account(issue.id), escrow)]
        memo = f"Problem {issue.id} funded: its backings are committed"
        ledger.post(session, ledger.PostingKind.COMMIT, memo, lines, None, issue_id=issue.id)
    _mark(session, [b.id for b in held], BackingStatus.COMMITTED.value, now)
    _system_audit(session, "backing.commit", issue.id, now, escrow_cents=escrow, backings=len(held))
    # Backers (now committed) and followers hear it once, with everything committed to the fix.
    money_mail.notify_funded(session, issue.id, told)
    if move_to_planned:
        _plan(session, issue, sum(b.amount_cents for b in held), escrow, now)
    session.flush()


def _funded_note(backed: int, escrow: int) -> str:
    """ "Fully backed: EUR 103.00 from residents and EUR 697.00 from the city's match; planned ..." """
    matched = escrow - backed
    city = f" and {format_money(matched, CURRENCY)} from the city's match" if matched > 0 else ""
    return (
        f"Fully backed: {format_money(backed, CURRENCY)} from residents{city}; planned for the city's work "
        "programme."
    )


def _plan(session: DbSession, issue: Issue, backed: int, escrow: int, now: datetime) -> None:
    """Move a fully backed problem to "planned" through the workflow's building blocks (no person acts).

    Its note says what residents gave (`backed`) apart from the city's match (the rest of `escrow`)."""
    planned = session.get(Status, PLANNED)
    if planned is None:
        raise LookupError('the reference status "planned" is missing; run `flask --app wsgi init-db`')
    if issue.status == PLANNED:
        return
    old_type = session.scalar(select(Status.type).where(Status.code == issue.status)) or StatusType.OPEN.value
    event = IssueEvent(
        issue_id=issue.id,
        actor_id=None,
        kind=EventKind.STATUS.value,
        from_status=issue.status,
        to_status=PLANNED,
        note=_funded_note(backed, escrow),
        by_staff=True,
        created_at=now,
    )
    workflow.stamp(issue, old_type, planned, now)
    issue.status = PLANNED
    session.add(event)
    session.flush()
    on_issue_event(session, event)


def _payers(session: DbSession, backing_ids: list[int]) -> dict[int, str]:
    """Backing id -> the resident account its BACKING posting took the money from."""
    rows = session.execute(
        select(LedgerPosting.backing_id, LedgerLine.account)
        .join(LedgerLine, LedgerLine.posting_id == LedgerPosting.id)
        .where(
            LedgerPosting.backing_id.in_(backing_ids),
            LedgerPosting.kind == ledger.PostingKind.BACKING,
            LedgerLine.account.startswith(RESIDENT_PREFIX),
        )
    ).tuples()
    return {int(backing_id): account for backing_id, account in rows if backing_id is not None}


def area_pool(session: DbSession, area_id: int) -> int | None:
    """The open pool of the area's (oldest) neighbourhood group in the city's currency, which backings
    are in: where "move it to the pool" goes (found from outside: a EUR backing went into a SEK pool)."""
    found: int | None = session.scalar(
        select(Pool.id)
        .join(Group, Group.id == Pool.group_id)
        .where(Group.area_id == area_id, Pool.is_open.is_(True), Pool.currency == CURRENCY)
        .order_by(Group.id)
        .limit(1)
    )
    return found


def _unback(
    session: DbSession,
    issue: Issue,
    held: list[Backing],
    kept: list[Backing],
    escrow: int,
    now: datetime,
    reason: str,
) -> None:
    """Return `held` to their backers and whatever the escrow holds beyond `held` and `kept` (the
    city's match) to city:match; `kept` backings stay in the escrow."""
    payers = _payers(session, [b.id for b in held])
    pool_id = area_pool(session, issue.area_id)
    returned = [
        Returned(
            b,
            payers[b.id],
            pool_id if b.fallback == BackingFallback.POOL.value and b.user_id is not None else None,
        )
        for b in held
    ]
    backed = sum(b.amount_cents for b in held)
    to_city = escrow - backed - sum(b.amount_cents for b in kept)
    if to_city < 0:
        raise RuntimeError(f"issue {issue.id}: the escrow holds {escrow} cents, less than its backings")
    lines = [(r.payer, r.backing.amount_cents) for r in returned]
    if to_city:
        lines.append((CITY_MATCH, to_city))
    lines.append((escrow_account(issue.id), -(backed + to_city)))
    memo = f"Problem {issue.id} not funded ({reason}): backings returned"
    ledger.post(session, ledger.PostingKind.UNBACK, memo, lines, None, issue_id=issue.id)
    for r in returned:
        if r.pool_id is not None and r.backing.user_id is not None:
            pledges.pledge_moved_money(
                session,
                r.backing.user_id,
                r.pool_id,
                r.backing.amount_cents,
                moved_pledge_key(r.backing.id),
                MOVED_PROVIDER,
            )
    _mark(session, [r.backing.id for r in returned if r.pool_id is None], BackingStatus.REFUNDED.value, now)
    _mark(session, [r.backing.id for r in returned if r.pool_id is not None], BackingStatus.MOVED.value, now)
    _system_audit(
        session, "backing.unback", issue.id, now, reason=reason, escrow_cents=escrow, city_cents=to_city
    )
    for r in returned:
        mail_backer(session, issue, r.backing, "moved" if r.pool_id is not None else "refunded", reason)
    session.flush()


def refund_backer(session: DbSession, user_id: int, now: datetime) -> int:
    """Refund every held backing of one resident (their account is being deleted): returns how many.

    Each problem's other backers are untouched: the refund is one UNBACK posting per problem with only
    this resident's backings (the escrow keeps the rest and the city's match).
    """
    issue_ids = sorted(
        set(
            session.scalars(
                select(Backing.issue_id).where(
                    Backing.user_id == user_id, Backing.status == BackingStatus.HELD.value
                )
            )
        )
    )
    count = 0
    for issue_id in issue_ids:
        ledger.lock_issue_money(session, issue_id)
        mine = list(
            session.scalars(
                select(Backing)
                .where(
                    Backing.issue_id == issue_id,
                    Backing.user_id == user_id,
                    Backing.status == BackingStatus.HELD.value,
                )
                .order_by(Backing.id)
                .execution_options(populate_existing=True)
            )
        )
        if not mine:
            continue
        payers = _payers(session, [b.id for b in mine])
        cents = sum(b.amount_cents for b in mine)
        lines = [(payers[b.id], b.amount_cents) for b in mine] + [(escrow_account(issue_id), -cents)]
        memo = f"Problem {issue_id}: backings of a deleted account refunded"
        ledger.post(session, ledger.PostingKind.UNBACK, memo, lines, None, issue_id=issue_id)
        _mark(session, [b.id for b in mine], BackingStatus.REFUNDED.value, now)
        count += len(mine)
    session.flush()
    return count


# Timeline events after which a backed problem may have to be settled (closed or merged).
SETTLING_KINDS = frozenset({EventKind.STATUS.value, EventKind.DUPLICATE.value})


def settle_on_issue_event(session: DbSession, *, event: IssueEvent, **_: object) -> None:
    """The issue-event signal's receiver (connected in create_app): a closed or merged problem's
    backers get their money back (and pending backings are cancelled) in the transaction that closes it."""
    if event.kind not in SETTLING_KINDS:
        return
    has_money = session.scalar(
        select(Backing.id)
        .where(
            Backing.issue_id == event.issue_id,
            Backing.status.in_((BackingStatus.HELD.value, BackingStatus.PENDING.value)),
        )
        .limit(1)
    )
    if has_money is not None or ledger.account_balance(session, escrow_account(event.issue_id)):
        settle_issue(session, event.issue_id, event.created_at)


def due_issue_ids(session: DbSession, now: datetime) -> list[int]:
    """Problems with held or pending backings whose campaign ended (the periodic job settles them)."""
    return sorted(
        set(
            session.scalars(
                select(Backing.issue_id)
                .join(MatchingPeriod, MatchingPeriod.id == Backing.period_id)
                .where(
                    Backing.status.in_((BackingStatus.HELD.value, BackingStatus.PENDING.value)),
                    MatchingPeriod.closes_at <= now,
                )
            )
        )
    )


def _system_audit(session: DbSession, action: str, issue_id: int, now: datetime, **details: object) -> None:
    """Settlement is the campaign's rule acting, not a person: actor_id is NULL."""
    session.add(
        AuditEntry(
            actor_id=None,
            action=action,
            target_type="issue",
            target_id=str(issue_id),
            details={"by": "campaign", "currency": CURRENCY, **details},
            created_at=now,
        )
    )
