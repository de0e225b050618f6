"""The ledger chain's lock: one writer at a time appends to the hash chain, on either engine."""

from __future__ import annotations

from sqlalchemy import text

from app.database.sessions import DbSession

# An arbitrary, fixed key: the ledger chain's transaction-scoped advisory lock on PostgreSQL.
LEDGER_CHAIN_LOCK_KEY = 0x4C45_4447  # "LEDG"


def lock_ledger_chain(session: DbSession) -> None:
    """Hold the chain until this transaction ends.

    PostgreSQL: a transaction-level advisory lock (released by commit or rollback). SQLite: the
    transaction that posted already holds the database's single writer lock, so nothing else is needed.
    The chain's last link is read after this, so on PostgreSQL it relies on READ COMMITTED (the default):
    each statement sees what committed before it, including the link of the transaction that held the
    lock last.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LEDGER_CHAIN_LOCK_KEY})
