"""Following the money to the fix: officials record payouts from a funded problem's committed money and
return what the fix did not cost to where it came from.

A payout is a row (payee, invoice, day paid) plus one ledger posting of kind payout:
issue:<i>:funded -x -> payee:<payout id> +x. It never takes more than the account holds. The return
gives the whole remainder back, pro rata to what came in (budgets/accounts.py and DESIGN.md say how).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.database.sessions import DbSession
from app.models import LedgerLine, LedgerPosting, Payout, User
from app.models.payout import PayeeKind
from app.services.funding import ledger, return_paybacks
from app.services.funding.idempotency import check_idempotency_key, key_reused
from app.services.issues import money_mail
from app.services.issues.money import currency_of, unspent_cents
from app.services.kernel import audit
from app.services.kernel.city_time import city_today, day_words, in_city
from app.services.kernel.errors import Conflict, ValidationError
from app.services.kernel.roles import require_staff
from app.services.kernel.text import clean_text
from budgets.accounts import (
    CITY_MATCH,
    RESIDENT_PREFIX,
    PostingKind,
    available_account,
    issue_account,
    payee_account,
    pool_of_account,
)
from budgets.ledger import largest_remainder_split
from budgets.money import format_money

PAYEE_MAX = 120
INVOICE_MAX = 80
KINDS = ", ".join(k.value for k in PayeeKind)


def require_official(actor: User) -> None:
    require_staff(actor, "Only city officials and admins can record payouts or return money.")


def parse_payout_cents(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValidationError(
            "amount_cents must be a whole number of cents (e.g. 12550 for 125.50).", "amount_cents"
        )
    if raw <= 0:
        raise ValidationError("amount_cents must be more than zero.", "amount_cents")
    return raw


def parse_paid_on(raw: object) -> date:
    """The day the money was paid: a date (or YYYY-MM-DD text), not after today in the city's calendar."""
    if isinstance(raw, date):
        day = raw
    elif isinstance(raw, str) and raw.strip():
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            raise ValidationError("The date paid must be written YYYY-MM-DD.", "paid_on") from None
    else:
        raise ValidationError(
            "The date paid is required: the day the money was paid (YYYY-MM-DD).", "paid_on"
        )
    if day > city_today():
        raise ValidationError("The date paid is in the future: record a payout once it is paid.", "paid_on")
    return day


# Who was paid, as people read it.
PAYEE_WORDS = {PayeeKind.CONTRACTOR.value: "contractor", PayeeKind.DEPARTMENT.value: "city department"}


def payee_words(kind: str) -> str:
    """A payee kind in words: "contractor", "city department"."""
    return PAYEE_WORDS.get(kind, kind)


def parse_payee_kind(raw: object) -> str:
    value = raw.strip() if isinstance(raw, str) else None  # a list or an object is no kind (nor hashable)
    if value not in {k.value for k in PayeeKind}:
        raise ValidationError(f"payee_kind must be one of {KINDS}.", "payee_kind")
    return str(value)


@dataclass(frozen=True)
class RecordedPayout:
    payout: Payout
    created: bool  # False: this official's request with the same key recorded it before


@dataclass(frozen=True)
class AskedPayout:
    """A payout as asked for, parsed: what the review step shows and the recording writes."""

    issue_id: int
    payee_kind: str
    payee_name: str
    amount_cents: int
    invoice_ref: str
    paid_on: date

    @classmethod
    def of(cls, payout: Payout) -> AskedPayout:
        """What the request that recorded `payout` asked for."""
        return cls(
            payout.issue_id,
            payout.payee_kind,
            payout.payee_name,
            payout.amount_cents,
            payout.invoice_ref,
            payout.paid_on,
        )


def parse_payout(
    actor: User,
    issue_id: int,
    *,
    payee_kind: object,
    payee_name: object,
    amount_cents: object,
    invoice_ref: object,
    paid_on: object,
) -> AskedPayout:
    """A payout as asked for (the form's or the API's fields), parsed; refused with the field named."""
    require_official(actor)
    return AskedPayout(
        issue_id=issue_id,
        payee_kind=parse_payee_kind(payee_kind),
        payee_name=clean_text(payee_name, "payee_name", "Payee", PAYEE_MAX, multiline=False),
        invoice_ref=clean_text(invoice_ref, "invoice_ref", "Invoice reference", INVOICE_MAX, multiline=False),
        amount_cents=parse_payout_cents(amount_cents),
        paid_on=parse_paid_on(paid_on),
    )


def check_payout(session: DbSession, actor: User, asked: AskedPayout) -> None:
    """Refuse a payout the problem's committed money cannot pay (more than remains, or paid before it
    came), writing nothing: the form's review step, and the recording's check under the lock."""
    require_official(actor)
    issue_id, cents, day = asked.issue_id, asked.amount_cents, asked.paid_on
    remaining = unspent_cents(session, issue_id)
    if remaining == 0:
        raise ValidationError(
            f"Problem #{issue_id} holds no committed money to pay out: it was not funded, or its money "
            "is paid or returned already.",
            "amount_cents",
        )
    if cents > remaining:
        currency = currency_of(session, issue_id)
        raise ValidationError(
            f"The amount, {format_money(cents, currency)}, is more than the "
            f"{format_money(remaining, currency)} that remains of problem #{issue_id}'s committed money.",
            "amount_cents",
        )
    since = committed_on(session, issue_id)
    if since is not None and day < since:
        raise ValidationError(
            f"The date paid, {day_words(day)}, is before problem #{issue_id} held its committed money "
            f"({day_words(since)}): a payout pays from that money, so it is paid on or after that day.",
            "paid_on",
        )


def paid_before(session: DbSession, asked: AskedPayout, shown: int = 5) -> list[Payout]:
    """Earlier payouts of the same invoice (its reference and payee, whatever the case), oldest first:
    the review step warns before an invoice is paid twice, and lets it be paid in parts."""
    return list(
        session.scalars(
            select(Payout)
            .where(
                func.lower(Payout.invoice_ref) == asked.invoice_ref.lower(),
                func.lower(Payout.payee_name) == asked.payee_name.lower(),
            )
            .order_by(Payout.id)
            .limit(shown)
        )
    )


def record_payout(
    session: DbSession, actor: User, asked: AskedPayout, *, idempotency_key: object = None
) -> RecordedPayout:
    """Record one payment for the fix of `asked.issue_id` from its committed money; flush; audit; mail.

    With a key (the API's Idempotency-Key, the payout form's request key) the official's request is
    recorded once: a form sent twice or a retry returns the first payout (created=False), and the
    same key with another payout is a 409. Without one, each request is a payout.
    """
    require_official(actor)
    issue_id = asked.issue_id
    key = None if idempotency_key is None else check_idempotency_key(idempotency_key, "payout")
    ledger.lock_issue_money(session, issue_id)
    if key is not None:
        earlier = session.scalar(
            select(Payout)
            .where(Payout.recorded_by_id == actor.id, Payout.idempotency_key == key)
            .execution_options(populate_existing=True)
        )
        if earlier is not None:
            if AskedPayout.of(earlier) != asked:
                raise key_reused("payout")
            return RecordedPayout(earlier, False)
    check_payout(session, actor, asked)
    name, cents, invoice = asked.payee_name, asked.amount_cents, asked.invoice_ref
    payout = Payout(
        issue_id=issue_id,
        payee_kind=asked.payee_kind,
        payee_name=name,
        amount_cents=cents,
        invoice_ref=invoice,
        paid_on=asked.paid_on,
        recorded_by_id=actor.id,
        idempotency_key=key,
    )
    try:
        with session.begin_nested():
            session.add(payout)
            session.flush()
    except IntegrityError:  # the same key at once for another problem's payout (not under this lock)
        raise key_reused("payout") from None
    memo = f"Payout to {name} (invoice {invoice})"
    lines = [(issue_account(issue_id), -cents), (payee_account(payout.id), cents)]
    posting = ledger.post(session, PostingKind.PAYOUT, memo, lines, None, issue_id=issue_id)
    payout.posting_id = posting.id
    session.flush()
    audit.record(
        session,
        actor,
        "issue.payout",
        "issue",
        issue_id,
        payout_id=payout.id,
        posting_id=posting.id,
        amount_cents=cents,
        payee_kind=asked.payee_kind,
        payee_name=name,
        invoice_ref=invoice,
        paid_on=asked.paid_on.isoformat(),
        currency=currency_of(session, issue_id),
    )
    money_mail.notify_paid(session, issue_id, payout.id, name, cents, actor.id)
    return RecordedPayout(payout, True)


def committed_on(session: DbSession, issue_id: int) -> date | None:
    """The city's day on which the problem first held committed money (its account's first credit)."""
    first = session.scalar(
        select(func.min(LedgerPosting.created_at))
        .join(LedgerLine, LedgerLine.posting_id == LedgerPosting.id)
        .where(LedgerLine.account == issue_account(issue_id), LedgerLine.amount_cents > 0)
    )
    return None if first is None else in_city(first).date()


@dataclass(frozen=True)
class Returned:
    total_cents: int
    parts: list[tuple[str, int]]  # destination account -> cents, in account order
    posting_ids: list[int]


def _sources(session: DbSession, issue_id: int) -> list[tuple[str, int]]:
    """Where the problem's committed money came from, as integer weights per destination account.

    A round's allocation weighs as its cents, for the allocating pool's available account. Money
    committed from the campaign's escrow (commit) is split over the escrow's own sources (each backer's
    resident account, the city's match) by what each put in and did not get back (unback); to keep the
    weights whole, pool weights are scaled by the escrow's total and escrow sources by the committed sum.
    """
    funded = issue_account(issue_id)
    by_pool = session.execute(
        select(LedgerPosting.pool_id, func.sum(LedgerLine.amount_cents))
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerLine.account == funded, LedgerPosting.kind == PostingKind.ALLOCATION)
        .group_by(LedgerPosting.pool_id)
    ).tuples()
    committed = session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_cents), 0))
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerLine.account == funded, LedgerPosting.kind == PostingKind.COMMIT)
    )
    escrow_in = {
        account: -int(total)
        for account, total in session.execute(
            select(LedgerLine.account, func.sum(LedgerLine.amount_cents))
            .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
            .where(
                LedgerPosting.issue_id == issue_id,
                # Net of what an unback gave back: a backer refunded in an earlier, unfunded campaign
                # of the problem (or the city's match returned then) is no source of its money.
                LedgerPosting.kind.in_([PostingKind.BACKING, PostingKind.QF_MATCH, PostingKind.UNBACK]),
                (LedgerLine.account.startswith(RESIDENT_PREFIX)) | (LedgerLine.account == CITY_MATCH),
            )
            .group_by(LedgerLine.account)
        ).tuples()
        if -int(total) > 0
    }
    escrow_total = sum(escrow_in.values())
    committed = int(committed or 0)
    if committed and not escrow_total:
        raise Conflict(f"Problem #{issue_id}'s committed money has no recorded source to return it to.")
    scale = escrow_total or 1
    weights = [
        (available_account(pool_id), int(cents) * scale)
        for pool_id, cents in by_pool
        if pool_id is not None and int(cents) > 0
    ]
    weights += [(account, committed * cents) for account, cents in escrow_in.items()] if committed else []
    return sorted(weights)


def return_remainder(session: DbSession, actor: User, issue_id: int) -> Returned:
    """Give back everything issue:<i>:funded still holds, pro rata to its sources (largest remainders)."""
    require_official(actor)
    ledger.lock_issue_money(session, issue_id)
    remaining = unspent_cents(session, issue_id)
    if remaining == 0:
        returned_at = session.scalar(
            select(func.max(LedgerPosting.created_at)).where(
                LedgerPosting.issue_id == issue_id, LedgerPosting.kind == ledger.PostingKind.RETURN
            )
        )
        if returned_at is not None:  # found from outside: a second return said it had never held any
            on = day_words(in_city(returned_at).date())
            raise Conflict(f"Problem #{issue_id}'s unspent money was already returned, on {on}.")
        paid_out = session.scalar(select(func.count()).select_from(Payout).where(Payout.issue_id == issue_id))
        if paid_out:  # found from outside: a problem paid in full was said never to have held money
            raise Conflict(
                f"Problem #{issue_id}'s committed money was all paid out: there is nothing to return."
            )
        raise Conflict(f"Problem #{issue_id} holds no committed money: there is nothing to return.")
    sources = _sources(session, issue_id)
    if not sources:
        raise Conflict(f"Problem #{issue_id}'s committed money has no recorded source to return it to.")
    parts = sorted(largest_remainder_split(remaining, sources))
    funded = issue_account(issue_id)
    memo = f"Unspent money of problem #{issue_id} returned"
    posting_ids: list[int] = []
    outside: list[tuple[str, int]] = []
    for account, cents in parts:
        pool_id = pool_of_account(account)
        if pool_id is None:
            outside.append((account, cents))
            continue
        lines = [(funded, -cents), (account, cents)]
        posting_ids.append(
            ledger.post(session, PostingKind.RETURN, memo, lines, pool_id, issue_id=issue_id).id
        )
    if outside:
        lines = [(funded, -sum(c for _, c in outside)), *outside]
        posting_ids.append(ledger.post(session, PostingKind.RETURN, memo, lines, None, issue_id=issue_id).id)
    audit.record(
        session,
        actor,
        "issue.return",
        "issue",
        issue_id,
        amount_cents=remaining,
        parts={account: cents for account, cents in parts},
        posting_ids=posting_ids,
        currency=currency_of(session, issue_id),
    )
    session.flush()
    at_the_cashier = {p.user_id for p in return_paybacks.parts_of(session, posting_ids) if p.at_the_cashier}
    money_mail.notify_returned(session, issue_id, posting_ids[0], parts, at_the_cashier, actor.id)
    return Returned(remaining, parts, posting_ids)
