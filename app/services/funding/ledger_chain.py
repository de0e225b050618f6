"""The ledger's hash chain in the database: sealing postings as they commit, the tip, the check, the CSV.

`ledger.post` notes each new posting on the session; just before the session commits, `_seal` takes
the chain lock (app/database/chain_lock.py), reads the chain's last hash and appends one link per
noted posting (budgets/ledger_chain.py holds the recipe). The chain order is therefore the order in
which postings commit: total on both engines, and the lock is only held for the moment of the commit,
after every other lock a transaction takes, so it cannot deadlock with pool or issue locks. Links are
append-only rows like postings and lines; nothing is updated after insert.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Select, event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction

from app.database import keyset
from app.database.chain_lock import lock_ledger_chain
from app.database.sessions import DbSession
from app.models.ledger import LedgerChainLink, LedgerLine, LedgerPosting
from budgets.ledger_chain import (
    GENESIS,
    ChainBreak,
    ChainedPosting,
    canonical_time,
    first_break,
    posting_hash,
    public_account,
)

_UNSEALED = "ledger_chain_unsealed"


@dataclass(frozen=True)
class ChainTip:
    """What the transparency page publishes: how many postings the chain holds and the last hash."""

    postings: int
    last_hash: str


@dataclass(frozen=True)
class _Noted:
    kind: str
    time_utc: str
    pool_id: int | None
    issue_id: int | None
    round_id: int | None
    lines: tuple[tuple[str, int], ...]


def note_posting(session: DbSession, posting: LedgerPosting, lines: Sequence[tuple[str, int]]) -> None:
    """Remember a posting this transaction added (flushed, with its lines); it joins the chain when the
    transaction commits. What is hashed is what was written, so sealing reads nothing back."""
    noted: dict[int, _Noted] = session.info.setdefault(_UNSEALED, {})
    noted[posting.id] = _Noted(
        posting.kind,
        canonical_time(posting.created_at),
        posting.pool_id,
        posting.issue_id,
        posting.round_id,
        tuple(lines),
    )


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    noted: dict[int, _Noted] | None = session.info.get(_UNSEALED)
    if noted:
        session.flush()
        _seal(session, noted)
        noted.clear()


@event.listens_for(Session, "after_transaction_end")
def _forget_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed (sealed) or rolled back
        session.info.pop(_UNSEALED, None)


def tip(session: DbSession) -> ChainTip:
    """The chain's length and its last hash (64 zeros while the ledger is empty)."""
    last = session.execute(
        select(LedgerChainLink.seq, LedgerChainLink.hash).order_by(LedgerChainLink.seq.desc()).limit(1)
    ).first()
    return ChainTip(0, GENESIS) if last is None else ChainTip(int(last[0]), str(last[1]))


def pool_hashes(session: DbSession, pool_id: int) -> dict[int, tuple[int, str]]:
    """Posting id -> (its position in the chain, its hash), for the pool's chained postings."""
    rows = session.execute(
        select(LedgerChainLink.posting_id, LedgerChainLink.seq, LedgerChainLink.hash)
        .join(LedgerPosting, LedgerPosting.id == LedgerChainLink.posting_id)
        .where(LedgerPosting.pool_id == pool_id)
    ).tuples()
    return {posting_id: (int(seq), str(digest)) for posting_id, seq, digest in rows}


def _seal(session: DbSession, noted: dict[int, _Noted]) -> int:
    """Append the noted postings that still exist (a rolled-back savepoint may have removed some) to the
    chain, in id order. Takes the chain lock for the rest of the transaction; returns the links written.
    """
    lock_ledger_chain(session)
    present = session.scalars(
        select(LedgerPosting.id).where(LedgerPosting.id.in_(list(noted))).order_by(LedgerPosting.id)
    ).all()
    if not present:
        return 0
    last = tip(session)
    seq, prev = last.postings, last.last_hash
    links: list[dict[str, Any]] = []
    for posting_id in present:
        posting = noted[posting_id]
        salt = secrets.token_hex(16)
        public = [(public_account(a, salt), c) for a, c in posting.lines]
        digest = posting_hash(
            prev,
            posting_id,
            posting.kind,
            posting.time_utc,
            posting.pool_id,
            posting.issue_id,
            posting.round_id,
            public,
        )
        seq += 1
        links.append({"seq": seq, "posting_id": posting_id, "prev_hash": prev, "hash": digest, "salt": salt})
        prev = digest
    session.execute(insert(LedgerChainLink), links)
    return len(links)


# Chained postings the CSV reads per keyset page (by seq), so a long chain streams out in flat memory.
CHAIN_PAGE = 1000


def _links() -> Select[Any]:
    return (
        select(
            LedgerChainLink.seq,
            LedgerChainLink.posting_id,
            LedgerChainLink.prev_hash,
            LedgerChainLink.hash,
            LedgerChainLink.salt,
            LedgerPosting.kind,
            LedgerPosting.created_at,
            LedgerPosting.pool_id,
            LedgerPosting.issue_id,
            LedgerPosting.round_id,
        )
        .outerjoin(LedgerPosting, LedgerPosting.id == LedgerChainLink.posting_id)
        .order_by(LedgerChainLink.seq)
    )


def _chained(
    session: DbSession, rows: Sequence[Row[Any]], posting_ids: Sequence[int] | None
) -> list[ChainedPosting]:
    """The links as published, with their lines (of `posting_ids` only, when given)."""
    line_rows = select(LedgerLine.posting_id, LedgerLine.account, LedgerLine.amount_cents).order_by(
        LedgerLine.id
    )
    if posting_ids is not None:
        line_rows = line_rows.where(LedgerLine.posting_id.in_(posting_ids))
    lines: dict[int, list[tuple[str, int]]] = {}
    for posting_id, account, cents in session.execute(line_rows).tuples():
        lines.setdefault(posting_id, []).append((account, int(cents)))
    result = []
    for row in rows:
        public = tuple(sorted((public_account(a, row.salt), c) for a, c in lines.get(row.posting_id, [])))
        result.append(
            ChainedPosting(
                seq=row.seq,
                posting_id=row.posting_id,
                kind=row.kind or "",
                time_utc=canonical_time(row.created_at) if row.created_at is not None else "",
                pool_id=row.pool_id,
                issue_id=row.issue_id,
                round_id=row.round_id,
                lines=public,
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
        )
    return result


def chain(session: DbSession) -> list[ChainedPosting]:
    """Every chained posting in chain order, as published (residents' accounts as pseudonyms)."""
    return _chained(session, session.execute(_links()).all(), None)


def streamed_chain(session: DbSession) -> Iterator[ChainedPosting]:
    """`chain` read CHAIN_PAGE postings at a time (with their lines), for the CSV."""

    def read_after(last: tuple[Any, ...]) -> Sequence[Row[Any]]:
        return session.execute(
            _links().where(keyset.after((LedgerChainLink.seq,), last)).limit(CHAIN_PAGE)
        ).all()

    for rows in keyset.pages(read_after, lambda row: (row.seq,), (0,), CHAIN_PAGE):
        yield from _chained(session, rows, [row.posting_id for row in rows])


def check_chain(session: DbSession) -> ChainBreak | None:
    """The first posting where the chain does not hold, or None.

    Besides the links themselves: every posting must have a place in the chain, and every link must
    name a posting that exists.
    """
    links = chain(session)
    broken = first_break(links)
    for link in links:
        if broken is not None and link.seq > broken.seq:
            break
        if not link.kind:
            return ChainBreak(link.seq, link.posting_id, "the chain names a posting that does not exist")
    if broken is not None:
        return broken
    unchained = session.scalar(
        select(func.min(LedgerPosting.id)).where(LedgerPosting.id.not_in(select(LedgerChainLink.posting_id)))
    )
    if unchained is not None:
        return ChainBreak(len(links) + 1, int(unchained), "this posting has no place in the hash chain")
    return None


CSV_HEADER = (
    "seq",
    "posting_id",
    "time_utc",
    "kind",
    "pool_id",
    "issue_id",
    "round_id",
    "account",
    "amount_cents",
    "prev_hash",
    "hash",
)


def chain_csv(links: Iterable[ChainedPosting]) -> Iterator[str]:
    """The whole ledger, one row per line, with each posting's place in the chain and its hashes; in
    chunks of 500 postings as `links` comes (a streamed response)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for count, link in enumerate(links, start=1):
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        for account, cents in link.lines:
            writer.writerow(
                [
                    link.seq,
                    link.posting_id,
                    link.time_utc,
                    link.kind,
                    "" if link.pool_id is None else link.pool_id,
                    "" if link.issue_id is None else link.issue_id,
                    "" if link.round_id is None else link.round_id,
                    account,
                    cents,
                    link.prev_hash,
                    link.hash,
                ]
            )
    yield buffer.getvalue()
