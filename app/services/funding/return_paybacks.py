"""Residents' parts of a fix's unspent money, which the city's cashier pays back.

When an official returns what a funded problem's fix did not cost (`payouts.return_remainder`), the
part that came from backers' own money goes back to them on the ledger (a line into resident:<id>),
while the money itself sits in the city's account. Found from outside: no backer was told, their
account page did not show it, and the cashier had no list of whom to pay. The cashier's page lists
each part, oldest first, until it is marked paid back (a `ReturnPayback` row, audited
`issue.return_paid_back`); the resident's account page shows it as on its way, then paid back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal, select
from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession
from app.mail import queue_text
from app.models import Backing, Issue, LedgerLine, LedgerPosting, ReturnPayback, User
from app.models.backing import BackingStatus
from app.services.funding.payments import TreasurerConfirmed
from app.services.funding.pending_backings import payment_reference
from app.services.issues.money import currency_of
from app.services.issues.public_titles import public_title
from app.services.kernel import audit
from app.services.kernel.audit import Page
from app.services.kernel.errors import Conflict, NotFound
from app.services.kernel.links import external_url
from app.services.kernel.roles import require_staff
from budgets.accounts import RESIDENT_PREFIX, PostingKind, resident_account
from budgets.money import format_money

PER_PAGE = 100


@dataclass(frozen=True)
class ReturnedPart:
    """One resident's part of one return: what came back to them from which problem, and when."""

    line_id: int
    issue_id: int
    title: str
    user_id: int
    resident: str  # their display name ("" for a deleted account)
    amount_cents: int
    currency: str
    returned_at: datetime
    at_the_cashier: bool  # the city's cashier pays it back (the resident paid their backing there)
    paid_back_at: datetime | None
    references: str = ""  # the backings' payment references, as the cashier matched their money by them


# A return posting's lines into residents' accounts.
_RESIDENTS_PARTS = (
    LedgerPosting.kind == PostingKind.RETURN,
    LedgerLine.account.startswith(RESIDENT_PREFIX, autoescape=True),
    LedgerLine.amount_cents > 0,
)
# The parts whose money the city's cashier holds: the resident backed the problem by paying the
# cashier (as `backing_paybacks` lists only such backings; an instant provider's money is not there).
_AT_THE_CASHIER = (
    select(Backing.id)
    .where(
        Backing.issue_id == LedgerPosting.issue_id,
        Backing.provider == TreasurerConfirmed.name,
        Backing.status == BackingStatus.COMMITTED.value,
        LedgerLine.account == literal(RESIDENT_PREFIX) + cast(Backing.user_id, String),
    )
    .exists()
)


def _lines(*columns: Any) -> Select[Any]:
    """`columns` of the residents' lines of return postings, with their postings and any payback."""
    return (
        select(*columns)
        .select_from(LedgerLine)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .outerjoin(ReturnPayback, ReturnPayback.line_id == LedgerLine.id)
        .where(*_RESIDENTS_PARTS)
    )


def _parts(
    session: DbSession, *where: ColumnElement[bool], public: bool = False, page: tuple[int, int] | None = None
) -> list[ReturnedPart]:
    """The parts that match `where`, oldest first (only `page`'s, (page, per page), when given); with
    `public`, newest first and a hidden problem by its public title (the staff read the real one)."""
    rows = session.execute(
        _lines(
            LedgerLine.id,
            LedgerPosting.issue_id,
            public_title() if public else Issue.title,
            LedgerLine.account,
            LedgerLine.amount_cents,
            LedgerPosting.created_at,
            _AT_THE_CASHIER,
            ReturnPayback.paid_back_at,
        )
        .join(Issue, Issue.id == LedgerPosting.issue_id)
        .where(*where)
        .order_by(LedgerLine.id.desc() if public else LedgerLine.id)
        .limit(page[1] if page else None)
        .offset((page[0] - 1) * page[1] if page else None)
    ).all()
    user_of = {row[0]: int(row[3].removeprefix(RESIDENT_PREFIX)) for row in rows}  # line -> resident
    names = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_(set(user_of.values())), User.deleted_at.is_(None)
            )
        )
        .tuples()
        .all()
    )
    references = _references(session, {(row[1], user_of[row[0]]) for row in rows})
    currencies = {issue_id: currency_of(session, issue_id) for issue_id in {row[1] for row in rows}}
    return [
        ReturnedPart(
            line_id,
            issue_id,
            title,
            user_of[line_id],
            names.get(user_of[line_id], ""),
            int(cents),
            currencies[issue_id],
            at,
            bool(at_the_cashier),
            paid_at,
            references.get((issue_id, user_of[line_id]), ""),
        )
        for line_id, issue_id, title, _account, cents, at, at_the_cashier, paid_at in rows
    ]


def _references(session: DbSession, pairs: set[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """(issue, resident) -> the payment references of the resident's backings of it paid at the cashier
    (found from outside: the cashier's list named only a display name, which is neither unique nor
    fixed, and nothing once the account was deleted)."""
    if not pairs:
        return {}
    rows = session.execute(
        select(Backing.issue_id, Backing.user_id, Backing.id)
        .where(
            Backing.issue_id.in_({issue_id for issue_id, _ in pairs}),
            Backing.provider == TreasurerConfirmed.name,
            Backing.status == BackingStatus.COMMITTED.value,
        )
        .order_by(Backing.id)
    ).tuples()
    found: dict[tuple[int, int], list[str]] = {}
    for issue_id, user_id, backing_id in rows:
        if user_id is not None and (issue_id, user_id) in pairs:
            found.setdefault((issue_id, user_id), []).append(payment_reference(backing_id))
    return {pair: ", ".join(refs) for pair, refs in found.items()}


def to_pay_back(session: DbSession, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the parts the cashier has not paid back yet, oldest first (`Page.items`:
    ReturnedParts)."""
    owed: ColumnElement[bool] = and_(_AT_THE_CASHIER, ReturnPayback.id.is_(None))
    total = int(session.scalar(_lines(func.count(LedgerLine.id)).where(owed)) or 0)
    return Page(_parts(session, owed, page=(page, per_page)), page, per_page, total)


def parts_of(session: DbSession, posting_ids: list[int]) -> list[ReturnedPart]:
    """The residents' parts of these return postings."""
    return _parts(session, LedgerPosting.id.in_(posting_ids))


def returned_to(session: DbSession, user_id: int) -> list[ReturnedPart]:
    """Every part of a fix's unspent money that came back to one resident, newest first (a hidden
    problem by its public title)."""
    return _parts(session, LedgerLine.account == resident_account(user_id), public=True)


def mark_paid_back(session: DbSession, actor: User, line_id: int, now: datetime) -> ReturnedPart:
    """The cashier paid the part back: it leaves the list, once (the unique line settles two clicks)."""
    require_staff(actor)
    found = next(iter(_parts(session, LedgerLine.id == line_id)), None)
    if found is None:
        raise NotFound(f"There is no returned part {line_id} to pay back.", "line_id")
    if not found.at_the_cashier:
        raise Conflict(f"{named(found)} was not paid at the city's cashier: nothing to pay back.", "line_id")
    if found.paid_back_at is not None:
        raise Conflict(f"{named(found)} was marked paid back already.", "line_id")
    try:
        with session.begin_nested():
            session.add(ReturnPayback(line_id=line_id, paid_back_at=now, paid_back_by_id=actor.id))
    except IntegrityError:
        raise Conflict(f"{named(found)} was marked paid back already.", "line_id") from None
    audit.record(
        session,
        actor,
        "issue.return_paid_back",
        "issue",
        found.issue_id,
        line_id=line_id,
        user_id=found.user_id,
        amount_cents=found.amount_cents,
        currency=found.currency,
    )
    session.flush()
    _mail_paid_back(session, found)
    return found


def named(part: ReturnedPart) -> str:
    """A part as the cashier's list names it: amount, resident and the backings' references."""
    refs = f" ({part.references})" if part.references else ""
    return f"{format_money(part.amount_cents, part.currency)} to {part.resident or 'a deleted account'}{refs}"


def _mail_paid_back(session: DbSession, part: ReturnedPart) -> None:
    """The resident hears it is paid, as a refunded backer does (found from outside: nobody was told)."""
    user = session.get(User, part.user_id)
    if user is None or user.deleted_at is not None:
        return
    amount = format_money(part.amount_cents, part.currency)
    text = (
        f"Hello {user.display_name},\n\nThe city's cashier paid back your {amount}, your part of what "
        f"the fix of problem #{part.issue_id} “{part.title}” did not cost"
        + (f" (backing {part.references})" if part.references else "")
        + f".\n\nYour account page lists it: {external_url('account.home')}#money\n"
    )
    subject = f"The city's cashier paid back your {amount}"
    queue_text(session, f"return-paid-back:{part.line_id}", user.email, subject, text)
