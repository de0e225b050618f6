"""A pool's public statement: every inflow and outflow with a running balance, and the ledger check."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import LedgerLine, LedgerPosting, Pledge, Round, User
from app.models.timestamps import rfc3339
from app.services.funding import backings, ledger, pledges
from app.services.issues.public_titles import public_titles
from app.services.kernel.text import safe_cell
from budgets.accounts import is_resident_account, is_rollover_account, issue_of_account, pool_of_account
from budgets.ledger import Line, Posting, Violation, first_violation
from budgets.money import format_money

ANONYMOUS = "a resident"


@dataclass(frozen=True)
class StatementRow:
    posting_id: int
    created_at: datetime
    kind: str
    description: str
    who: str  # the public party: a pledger's name or "a resident", "the city", an issue's title
    issue_id: int | None
    in_cents: int
    out_cents: int
    balance_cents: int  # what the pool holds after this row (available + rolled over)


def _lines_by_posting(session: DbSession, pool_id: int) -> dict[int, list[tuple[str, int]]]:
    rows = session.execute(
        select(LedgerLine.posting_id, LedgerLine.account, LedgerLine.amount_cents)
        .join(LedgerPosting, LedgerPosting.id == LedgerLine.posting_id)
        .where(LedgerPosting.pool_id == pool_id)
        .order_by(LedgerLine.posting_id, LedgerLine.id)
    ).tuples()
    grouped: dict[int, list[tuple[str, int]]] = {}
    for posting_id, account, cents in rows:
        grouped.setdefault(posting_id, []).append((account, int(cents)))
    return grouped


def statement(session: DbSession, pool_id: int, currency: str) -> list[StatementRow]:
    """The pool's postings in order, one row per outside party, pledgers named only if they chose to."""
    postings = session.execute(
        select(
            LedgerPosting.id,
            LedgerPosting.created_at,
            LedgerPosting.kind,
            LedgerPosting.memo,
            LedgerPosting.round_id,
            Round.name,
            Pledge.show_name,
            User.display_name,
        )
        .outerjoin(Round, Round.id == LedgerPosting.round_id)
        .outerjoin(Pledge, Pledge.id == LedgerPosting.pledge_id)
        .outerjoin(User, User.id == Pledge.user_id)
        .where(LedgerPosting.pool_id == pool_id)
        .order_by(LedgerPosting.id)
    ).tuples()
    lines = _lines_by_posting(session, pool_id)
    issue_ids = {
        issue_id
        for group in lines.values()
        for account, _ in group
        if (issue_id := issue_of_account(account)) is not None
    }
    titles = public_titles(session, issue_ids)
    rows: list[StatementRow] = []
    balance = 0
    for posting_id, created, kind, memo, round_id, round_name, show_name, name in postings:
        pledger = name if show_name and name else ANONYMOUS
        # The round by the name its group gave it ("Autumn 2026"), as every other page calls it.
        round_text = (
            f" (round “{round_name}”)" if round_name else (f" (round {round_id})" if round_id else "")
        )
        if kind == ledger.PostingKind.MATCH:
            # Found from outside: matches posted before read "…, round 1" beside "(round “Autumn 2026”)".
            memo = (memo.removesuffix(f", round {round_id}") or "City match") + round_text
        for description, who, cents, issue_id in _entries(
            kind, memo, round_text, pledger, lines.get(posting_id, []), titles, currency
        ):
            balance += cents
            rows.append(
                StatementRow(
                    posting_id,
                    created,
                    kind,
                    description,
                    who,
                    issue_id,
                    max(cents, 0),
                    max(-cents, 0),
                    balance,
                )
            )
    return rows


Entry = tuple[str, str, int, int | None]


def _entries(
    kind: str,
    memo: str,
    round_text: str,
    pledger: str,
    own: list[tuple[str, int]],
    titles: dict[int, str],
    currency: str,
) -> list[Entry]:
    """A posting as public rows: (description, party, cents into (+) or out of (-) the pool, issue)."""
    into_pool = sum(c for a, c in own if pool_of_account(a) is not None)
    if kind == ledger.PostingKind.PLEDGE:
        return [("Pledge confirmed", pledger, into_pool, None)]
    if kind == ledger.PostingKind.MATCH:
        return [(memo or "City match", "the city", into_pool, None)]
    if kind == ledger.PostingKind.ALLOCATION:
        entries: list[Entry] = []
        for account, cents in own:
            issue_id = issue_of_account(account)
            if issue_id is not None:
                title = titles.get(issue_id, f"Issue {issue_id}")
                entries.append((f"Allocated{round_text}", title, -cents, issue_id))
        return entries
    if kind == ledger.PostingKind.REFUND:
        entries = []
        to_residents = sum(c for a, c in own if is_resident_account(a))
        people = sum(1 for a, _ in own if is_resident_account(a))
        to_city = sum(c for a, c in own if a == ledger.CITY_MATCH)
        if to_residents:
            party = f"{people} pledger{'s' if people != 1 else ''}"
            entries.append((f"Refunded pro rata{round_text}", party, -to_residents, None))
        if to_city:
            entries.append((f"Match returned{round_text}", "the city", -to_city, None))
        return entries
    if kind == ledger.PostingKind.RETURN:
        for account, _cents in own:
            issue_id = issue_of_account(account)
            if issue_id is not None:
                title = titles.get(issue_id, f"Issue {issue_id}")
                return [("Returned unspent by the fix", title, into_pool, issue_id)]
    if kind == ledger.PostingKind.ROLLOVER:
        moved = sum(c for a, c in own if is_rollover_account(a))
        text = f"Not spent{round_text}: {format_money(moved, currency)} kept for the next round"
        return [(text, "the pool", 0, None)]
    return [(memo or kind, "", into_pool, None)]


def statement_csv(
    rows: list[StatementRow], currency: str, hashes: Mapping[int, tuple[int, str]] | None = None
) -> Iterator[str]:
    """The statement as CSV; `hashes` (posting id -> (chain position, hash)) fills the chain columns."""
    hashes = hashes or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "posting_id",
            "date_utc",
            "kind",
            "description",
            "party",
            "issue_id",
            "in_cents",
            "out_cents",
            "balance_cents",
            "currency",
            "chain_seq",
            "posting_hash",
        ]
    )
    for r in rows:
        # Names, problem titles and match memos must never run as spreadsheet formulas.
        writer.writerow(
            [
                r.posting_id,
                rfc3339(r.created_at),
                r.kind,
                safe_cell(r.description),
                safe_cell(r.who),
                r.issue_id or "",
                r.in_cents,
                r.out_cents,
                r.balance_cents,
                currency,
                *hashes.get(r.posting_id, ("", "")),
            ]
        )
    yield buffer.getvalue()


def all_postings(session: DbSession) -> list[Posting]:
    """Every posting as plain values, in posting order (for the invariant checker)."""
    lines: dict[int, list[Line]] = {}
    for posting_id, account, cents in session.execute(
        select(LedgerLine.posting_id, LedgerLine.account, LedgerLine.amount_cents).order_by(LedgerLine.id)
    ).tuples():
        lines.setdefault(posting_id, []).append(Line(account, int(cents)))
    return [
        Posting(pid, kind, pool_id, tuple(lines.get(pid, ())), round_id, pledge_id)
        for pid, kind, pool_id, round_id, pledge_id in session.execute(
            select(
                LedgerPosting.id,
                LedgerPosting.kind,
                LedgerPosting.pool_id,
                LedgerPosting.round_id,
                LedgerPosting.pledge_id,
            ).order_by(LedgerPosting.id)
        ).tuples()
    ]


def check_ledger(session: DbSession) -> tuple[Violation | None, int]:
    """The first broken invariant of the whole ledger (None if all hold) and the number of postings."""
    postings = all_postings(session)
    paid = backings.paid_by_issue(session)
    return first_violation(postings, pledges.confirmed_by_pool(session), paid), len(postings)
