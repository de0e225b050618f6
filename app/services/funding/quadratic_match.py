"""The city's quadratic match per matching period: computed on read, posted to the ledger once at close.

Who counts: the backings of the period that are held or committed, from accounts that are confirmed,
not blocked, not deleted and were created before the period opened. One resident's backings of one
problem are one contribution (their sum), counted at most the period's per-backer cap. The match
itself is budgets.period_match (per-problem cap, the fund shared when short), which also stops each
problem's match at what its cost still needs: the cost less what it has raised (its escrow, and
everything ever committed to its fix).

While the period runs, the match is computed on every read from one grouped query (a row per problem
and resident), so it always reflects the backings as they are. Closing is one transaction whose
first write is `UPDATE matching_periods SET closed_at = now WHERE closed_at IS NULL`: a second close,
concurrent or later, matches no row and posts nothing. It then records each problem's figures in
period_match_postings (unique per period and problem) and posts one `qf_match` posting per matched
problem (city:match -> issue:<i>:escrow), and hands the problems to their settlement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import BigInteger, and_, cast, func, insert, or_, select, update

from app.database.sessions import DbSession, execute_write
from app.models import Backing, Issue, LedgerLine, MatchingPeriod, PeriodMatchPosting, User
from app.models.backing import BackingStatus
from app.services.funding import ledger
from app.services.funding.backing_settlement import settle_issue
from app.services.funding.matching_periods import get_period
from app.services.issues.money import CITY_CURRENCY
from app.services.kernel import audit
from app.services.kernel.city_time import city_time
from app.services.kernel.errors import Conflict
from app.services.kernel.roles import require_staff
from budgets.accounts import CITY_MATCH, PostingKind, escrow_account, issue_account
from budgets.period_match import capped_contribution, period_match

LIVE = (BackingStatus.HELD.value, BackingStatus.COMMITTED.value)


@dataclass(frozen=True)
class ProblemMatch:
    """One problem's figures in a period (cents)."""

    issue_id: int
    backers: int  # residents with a held or committed backing of the problem in the period
    counted: int  # of them, those whose contribution counts for the match
    backed_cents: int  # everything they gave it in the period
    match_cents: int
    ideal_cents: Fraction  # the textbook match of the counted contributions, before caps and fund
    capped: bool  # the ideal match is above the per-problem cap
    filled: bool = False  # the ideal match is above what the cost still needed (kept at close)


@dataclass(frozen=True)
class PeriodStanding:
    """Every backed problem of a period, largest match first; posted figures once the period closed."""

    period_id: int
    fund_cents: int
    problem_cap_cents: int
    matched_cents: int
    fund_short: bool
    closed_at: datetime | None
    problems: list[ProblemMatch]

    def problem(self, issue_id: int) -> ProblemMatch | None:
        return next((p for p in self.problems if p.issue_id == issue_id), None)


def standing(session: DbSession, period_id: int) -> PeriodStanding:
    """The period's match now (computed from the backings), or as posted when it closed."""
    period = get_period(session, period_id)
    if period.closed_at is not None:
        return _posted(session, period)
    return compute(session, period)


def compute(session: DbSession, period: MatchingPeriod) -> PeriodStanding:
    """The match from the period's backings as they are: one grouped read of a covering index, and the
    accounts that count (read apart: joining them row by row doubles the read)."""
    counting = set(
        session.scalars(
            select(User.id).where(
                User.email_confirmed_at.is_not(None),
                User.is_blocked.is_(False),
                User.deleted_at.is_(None),
                User.created_at < period.opens_at,
            )
        )
    )
    given_by = session.connection().execute(
        select(Backing.issue_id, Backing.user_id, cast(func.sum(Backing.amount_cents), BigInteger))
        .where(Backing.period_id == period.id, Backing.status.in_(LIVE), Backing.user_id.is_not(None))
        .group_by(Backing.issue_id, Backing.user_id)
    )
    backer_cap = period.backer_cap_cents
    backers: dict[int, int] = {}
    backed: dict[int, int] = {}
    counted: dict[int, list[int]] = {}
    for issue_id, user_id, summed in given_by.all():
        given = int(summed)
        if issue_id in backers:
            backers[issue_id] += 1
            backed[issue_id] += given
        else:
            backers[issue_id], backed[issue_id], counted[issue_id] = 1, given, []
        if user_id in counting:
            counted[issue_id].append(capped_contribution(given, backer_cap))
    contributions = {str(issue_id): amounts for issue_id, amounts in counted.items()}
    needs = {str(issue_id): need for issue_id, need in _still_needed(session, list(counted)).items()}
    result = period_match(contributions, period.fund_cents, period.problem_cap_cents, needs)
    problems = [
        ProblemMatch(
            issue_id=issue_id,
            backers=backers[issue_id],
            counted=len(counted[issue_id]),
            backed_cents=backed[issue_id],
            match_cents=result.matches[str(issue_id)],
            ideal_cents=result.ideal[str(issue_id)],
            capped=str(issue_id) in result.capped,
            filled=str(issue_id) in result.filled,
        )
        for issue_id in backers
    ]
    problems.sort(key=lambda p: (-p.match_cents, -p.backers, p.issue_id))
    return PeriodStanding(
        period.id,
        period.fund_cents,
        period.problem_cap_cents,
        result.target,
        result.fund_short,
        None,
        problems,
    )


def _still_needed(session: DbSession, issue_ids: list[int]) -> dict[int, int]:
    """What each priced problem's cost still needs: the cost less its escrow and everything ever
    committed to its fix (payouts do not lower what was raised)."""
    escrows = {escrow_account(i): i for i in issue_ids}
    funded = {issue_account(i): i for i in issue_ids}
    raised = dict.fromkeys(issue_ids, 0)
    for account, total in session.execute(
        select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
        .where(
            or_(
                LedgerLine.account.in_(list(escrows)),
                and_(LedgerLine.account.in_(list(funded)), LedgerLine.amount_cents > 0),
            )
        )
        .group_by(LedgerLine.account)
    ).tuples():
        raised[escrows.get(account) or funded[account]] += int(total or 0)
    costs = session.execute(
        select(Issue.id, Issue.cost_estimate_cents).where(
            Issue.id.in_(issue_ids), Issue.cost_estimate_cents.is_not(None)
        )
    ).tuples()
    return {issue_id: max(0, cost - raised[issue_id]) for issue_id, cost in costs if cost is not None}


def _posted(session: DbSession, period: MatchingPeriod) -> PeriodStanding:
    rows = session.scalars(
        select(PeriodMatchPosting)
        .where(PeriodMatchPosting.period_id == period.id)
        .order_by(PeriodMatchPosting.match_cents.desc(), PeriodMatchPosting.backers.desc())
    ).all()
    problems = [
        ProblemMatch(
            r.issue_id,
            r.backers,
            r.counted,
            r.backed_cents,
            r.match_cents,
            Fraction(r.ideal_cents),
            r.ideal_cents > period.problem_cap_cents,
            bool(r.filled),
        )
        for r in rows
    ]
    fund_short = period.fund_short
    if fund_short is None:  # closed before the close kept it: judged from the posted figures
        fund_short = sum(min(r.ideal_cents, period.problem_cap_cents) for r in rows) > period.fund_cents
    return PeriodStanding(
        period.id,
        period.fund_cents,
        period.problem_cap_cents,
        sum(p.match_cents for p in problems),
        fund_short,
        period.closed_at,
        problems,
    )


def current_period_of(session: DbSession, issue_id: int) -> int | None:
    """The latest period in which the problem has a backing (the one its sentence speaks of)."""
    return session.scalar(
        select(Backing.period_id)
        .where(Backing.issue_id == issue_id, Backing.period_id.is_not(None))
        .order_by(Backing.period_id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Closing:
    period_id: int
    matched_cents: int
    problems: int  # problems with a backing in the period
    postings: int  # qf_match postings made (problems with a positive match)


def close_by_hand(session: DbSession, actor: User, period_id: int, now: datetime) -> Closing:
    """An official closes the period now (before its deadline, or when the schedule is late)."""
    require_staff(actor)
    period = get_period(session, period_id)
    if now < period.opens_at:
        raise Conflict(f"This matching period opens at {city_time(period.opens_at)}.", "opens_at")
    closing = close(session, period, now, actor=actor)
    if closing is None:
        session.refresh(period)
        closed = period.closed_at or now
        raise Conflict(f"This matching period closed at {city_time(closed)}.", "closed_at")
    return closing


def close_due(session: DbSession, now: datetime) -> list[Closing]:
    """The schedule: close every period whose deadline has come (each exactly once)."""
    due = session.scalars(
        select(MatchingPeriod)
        .where(MatchingPeriod.closed_at.is_(None), MatchingPeriod.closes_at <= now)
        .order_by(MatchingPeriod.id)
    ).all()
    done = []
    for period in due:
        closing = close(session, period, now, actor=None)
        if closing is not None:
            done.append(closing)
    return done


def close(session: DbSession, period: MatchingPeriod, now: datetime, *, actor: User | None) -> Closing | None:
    """Post the period's match, once: None when it was closed already (by anyone). Flushes."""
    claimed = execute_write(
        session,
        update(MatchingPeriod)
        .where(MatchingPeriod.id == period.id, MatchingPeriod.closed_at.is_(None))
        .values(closed_at=now)
        .execution_options(synchronize_session=False),
    ).rowcount
    if not claimed:
        return None
    session.refresh(period)
    result = compute(session, period)
    memo = f"City quadratic match, period {period.id} ({period.name})"
    posted: dict[int, int] = {}
    for p in result.problems:
        if p.match_cents > 0:
            lines = [(CITY_MATCH, -p.match_cents), (escrow_account(p.issue_id), p.match_cents)]
            posting = ledger.post(session, PostingKind.QF_MATCH, memo, lines, None, issue_id=p.issue_id)
            posted[p.issue_id] = posting.id
    rows = [
        {
            "period_id": period.id,
            "issue_id": p.issue_id,
            "match_cents": p.match_cents,
            "ideal_cents": round(p.ideal_cents),
            "backed_cents": p.backed_cents,
            "backers": p.backers,
            "counted": p.counted,
            "posting_id": posted.get(p.issue_id),
            "filled": p.filled,
            "created_at": now,
        }
        for p in result.problems
    ]
    # Kept, so the closed period says why as the running one did (found from outside: a closed period
    # said its fund was shared when it was not, and a problem its backers paid in full that the fund
    # had nothing left for it).
    period.fund_short = result.fund_short
    if rows:
        session.execute(insert(PeriodMatchPosting), rows)
    postings = len(posted)
    details = {
        "matched_cents": result.matched_cents,
        "problems": len(rows),
        "postings": postings,
        "currency": CITY_CURRENCY,
    }
    if actor is not None:
        audit.record(session, actor, "matching_period.close", "matching_period", period.id, **details)
    else:
        audit.record_unattended(
            session, "schedule", "matching_period.close", "matching_period", period.id, details, at=now
        )
    _settle_after_close(session, period, [p.issue_id for p in result.problems], now)
    session.flush()
    return Closing(period.id, result.matched_cents, len(rows), postings)


def _settle_after_close(
    session: DbSession, period: MatchingPeriod, issue_ids: list[int], now: datetime
) -> None:
    """Settle the campaigns the close changes (backing_settlement.settle_issue decides each one): all
    of them once the deadline passed (the unfunded are returned); before it, a close by hand only
    funds the problems whose escrow, match included, now reaches the cost, and the others stay open
    until their deadline (settle_issue would leave them as they are)."""
    if now < period.closes_at:
        issue_ids = _fully_backed(session, issue_ids)
    for issue_id in issue_ids:
        settle_issue(session, issue_id, now)


def _fully_backed(session: DbSession, issue_ids: list[int]) -> list[int]:
    """The problems among `issue_ids` whose escrow holds at least their cost."""
    accounts = {escrow_account(i): i for i in issue_ids}
    held = {
        account: int(total or 0)
        for account, total in session.execute(
            select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
            .where(LedgerLine.account.in_(list(accounts)))
            .group_by(LedgerLine.account)
        ).tuples()
    }
    costs = {
        issue_id: cost
        for issue_id, cost in session.execute(
            select(Issue.id, Issue.cost_estimate_cents).where(Issue.id.in_(issue_ids))
        ).tuples()
    }
    return [
        i
        for account, i in accounts.items()
        if (cost := costs.get(i)) is not None and held.get(account, 0) >= cost
    ]
