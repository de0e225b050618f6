"""The ledger's hash chain: the exact text each posting's hash covers, and the check anyone can run.

Every posting, in chain order (1, 2, 3, ...), is hashed together with the hash of the one before it:

    hash = sha256(canonical_text(...).encode("utf-8")).hexdigest()

where canonical_text is these lines joined by "\\n" (no trailing newline):

    commonfix-ledger-v1
    prev <the previous posting's hash; 64 zeros for the first posting>
    posting <posting id>
    kind <posting kind>
    time <created at, UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ>
    pool <pool id, or - >
    issue <issue id, or - >
    round <round id, or - >
    line <account> <signed cents>      (one per line, sorted by account, then by amount)

A resident's own account (resident:<user id>) is published as `resident:` followed by 20 hex digits of
sha256(<the posting's salt>:resident:<user id>), so the public ledger never names or links residents;
the salt is kept in the database, where `ledger-check` uses it to recompute the pseudonym. Every other
account appears as it is. The published CSV carries exactly these values, so the chain can be
recomputed from it alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from budgets.accounts import RESIDENT_PREFIX

VERSION = "commonfix-ledger-v1"
GENESIS = "0" * 64
PSEUDONYM_HEX = 20


@dataclass(frozen=True)
class ChainedPosting:
    """One posting as the chain sees it: public account names, canonical time, and its stored hashes."""

    seq: int
    posting_id: int
    kind: str
    time_utc: str
    pool_id: int | None
    issue_id: int | None
    round_id: int | None
    lines: tuple[tuple[str, int], ...]  # (public account, cents)
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain stops holding: the posting (by id and chain position) and why, in a sentence."""

    seq: int
    posting_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"posting {self.posting_id}" if self.posting_id is not None else "a posting"
        return f"hash chain broken at {where} (position {self.seq} in the chain): {self.message}"


def canonical_time(moment: datetime) -> str:
    """A naive-UTC (or aware) time as the chain writes it: microseconds and a Z, always the same width."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def public_account(account: str, salt: str) -> str:
    """The account as the public ledger shows it: residents as an unlinkable pseudonym, others as they are."""
    if not account.startswith(RESIDENT_PREFIX):
        return account
    digest = hashlib.sha256(f"{salt}:{account}".encode()).hexdigest()
    return RESIDENT_PREFIX + digest[:PSEUDONYM_HEX]


def _id(value: int | None) -> str:
    return "-" if value is None else str(value)


def canonical_text(
    prev_hash: str,
    posting_id: int,
    kind: str,
    time_utc: str,
    pool_id: int | None,
    issue_id: int | None,
    round_id: int | None,
    lines: Iterable[tuple[str, int]],
) -> str:
    """The exact text a posting's hash covers (see the module docstring); lines are public accounts."""
    parts = [
        VERSION,
        f"prev {prev_hash}",
        f"posting {posting_id}",
        f"kind {kind}",
        f"time {time_utc}",
        f"pool {_id(pool_id)}",
        f"issue {_id(issue_id)}",
        f"round {_id(round_id)}",
    ]
    parts += [f"line {account} {cents}" for account, cents in sorted(lines)]
    return "\n".join(parts)


def posting_hash(
    prev_hash: str,
    posting_id: int,
    kind: str,
    time_utc: str,
    pool_id: int | None,
    issue_id: int | None,
    round_id: int | None,
    lines: Iterable[tuple[str, int]],
) -> str:
    text = canonical_text(prev_hash, posting_id, kind, time_utc, pool_id, issue_id, round_id, lines)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def first_break(chain: Sequence[ChainedPosting]) -> ChainBreak | None:
    """Walk the chain in order; the first posting whose position, link or hash does not hold, or None."""
    prev = GENESIS
    for expected_seq, link in enumerate(chain, start=1):
        if link.seq != expected_seq:
            gap = f"position {expected_seq} is missing (a posting was removed)"
            moved = f"it claims position {link.seq} where {expected_seq} was due"
            return ChainBreak(expected_seq, link.posting_id, gap if link.seq > expected_seq else moved)
        if link.prev_hash != prev:
            return ChainBreak(
                link.seq,
                link.posting_id,
                f"it names {link.prev_hash[:12]}... as the hash before it, but the posting before it "
                f"hashes to {prev[:12]}... (a posting before it was removed, changed or reordered)",
            )
        recomputed = posting_hash(
            prev,
            link.posting_id,
            link.kind,
            link.time_utc,
            link.pool_id,
            link.issue_id,
            link.round_id,
            link.lines,
        )
        if recomputed != link.hash:
            return ChainBreak(
                link.seq,
                link.posting_id,
                f"its lines, amounts, time or ids hash to {recomputed[:12]}..., "
                f"not to the recorded {link.hash[:12]}...",
            )
        prev = link.hash
    return None
