"""A pool's pledges for its treasurers: each with its number, pledger, amount and what became of it,
when and by whom (found from outside: a confirmed or declined pledge vanished from the treasurer's
page, and the public ledger names no pledger nor pledge number, so "pledge 42", the reference residents
quote, could not be matched to anything an auditor was handed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, select
from sqlalchemy.orm import aliased

from app.database.sessions import DbSession
from app.models import AuditEntry, Pledge, Pool, User
from app.models.funding import PledgeStatus
from app.models.timestamps import rfc3339
from app.services.kernel.text import safe_cell
from budgets.money import plain_cents

STATUS_WORDS = {
    PledgeStatus.PENDING.value: "Waiting",
    PledgeStatus.CONFIRMED.value: "Confirmed",
    PledgeStatus.DECLINED.value: "Declined",
    PledgeStatus.WITHDRAWN.value: "Withdrawn by the pledger",
}
CSV_COLUMNS = [
    "pledge",
    "made_utc",
    "pledger",
    "amount",
    "currency",
    "status",
    "settled_utc",
    "settled_by",
]


@dataclass(frozen=True)
class PledgeRecord:
    id: int
    made_at: datetime
    pledger: str
    amount_cents: int
    status: str
    settled_at: datetime | None  # confirmed, declined or withdrawn; None while it waits
    settled_by: str | None  # who confirmed or declined it (None: its provider, or its pledger)

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status)


def pledge_records(session: DbSession, pool_id: int, limit: int | None = None) -> list[PledgeRecord]:
    """The pool's pledges, the latest first (`limit` of them; None: all)."""
    pledger, settler, decliner = aliased(User), aliased(User), aliased(User)
    declined = aliased(AuditEntry)
    rows = session.execute(
        select(
            Pledge.id,
            Pledge.created_at,
            pledger.display_name,
            Pledge.amount_cents,
            Pledge.status,
            Pledge.confirmed_at,
            settler.display_name,
            declined.created_at,
            decliner.display_name,
            Pledge.withdrawn_at,
        )
        .join(pledger, pledger.id == Pledge.user_id)
        .outerjoin(settler, settler.id == Pledge.confirmed_by_id)
        .outerjoin(
            declined,
            and_(
                declined.action == "pledge.decline",
                declined.target_type == "pledge",
                declined.target_id == cast(Pledge.id, String),
            ),
        )
        .outerjoin(decliner, decliner.id == declined.actor_id)
        .where(Pledge.pool_id == pool_id)
        .order_by(Pledge.id.desc())
        .limit(limit)
    ).tuples()
    records = []
    for (
        pledge_id,
        made,
        name,
        cents,
        status,
        confirmed_at,
        confirmer,
        declined_at,
        decliner_name,
        gone_at,
    ) in rows:
        settled_at = confirmed_at or declined_at or gone_at
        records.append(
            PledgeRecord(pledge_id, made, name, cents, status, settled_at, confirmer or decliner_name)
        )
    return records


def pledges_csv(session: DbSession, pool_id: int) -> Iterator[str]:
    """Every pledge of the pool as CSV rows for the treasurers (names never run as spreadsheet formulas)."""
    currency = session.scalar(select(Pool.currency).where(Pool.id == pool_id)) or ""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for record in pledge_records(session, pool_id):
        writer.writerow(
            [
                record.id,
                rfc3339(record.made_at),
                safe_cell(record.pledger),
                plain_cents(record.amount_cents),
                currency,
                record.status_words,
                rfc3339(record.settled_at) if record.settled_at else "",
                safe_cell(record.settled_by or ""),
            ]
        )
    yield out.getvalue()
