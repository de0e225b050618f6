"""How long a PostgreSQL connection waits for the server: libpq's timeouts, the server's statement timeout,
and a deadline on every answer, so a frozen server fails a request with the outage 503 instead of holding
its thread for good.

libpq's connect_timeout only covers opening a connection, and TCP keepalives and tcp_user_timeout only a
peer whose kernel stopped answering (a host gone, a network cut). A server process that is frozen (stopped,
swapped out, stuck in I/O) on a live host still has its kernel acknowledge every packet, and its
statement_timeout cannot fire: only the client can give up. So every wait for the server's answer has a
deadline a little longer than the statement timeout, which a working server always answers first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg.abc import PQGen
from psycopg.errors import _WaitTimeout  # psycopg's own timeout of its wait functions, for callers to convert
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# Seconds a server gets beyond the statement timeout to answer (with a result or the timeout's error).
ANSWER_GRACE = 5
# Probes on a connection idle for 30 s, 10 s apart (given up after 3, or at TCP_USER_TIMEOUT_MS if sooner).
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
# Data sent and not acknowledged by the peer's kernel for this long (ms) breaks the connection.
TCP_USER_TIMEOUT_MS = 20_000


class AnsweringConnection(psycopg.Connection[Any]):
    """A psycopg connection that waits at most `answer_timeout` seconds for any answer of the server."""

    answer_timeout: float | None = None

    def wait(self, gen: PQGen[Any], interval: float = 0.1, timeout: float | None = None) -> Any:
        limit = self.answer_timeout
        if limit is None or (timeout is not None and timeout <= limit):
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, limit)
        except _WaitTimeout:
            # The protocol is mid-exchange: the connection cannot be used again. Closed, SQLAlchemy sees a
            # disconnect and invalidates it; app/database/outages.py counts it as the database out of reach.
            self.close()
            raise psycopg.OperationalError(f"the database server did not answer within {limit:g} s") from None


def postgres_connect_args(connect_args: dict[str, Any], connect_timeout: int, statement_timeout: int) -> None:
    """libpq's parameters for every new connection (those already in `connect_args` win)."""
    connect_args.setdefault("connect_timeout", connect_timeout)
    for name, value in KEEPALIVES.items():
        connect_args.setdefault(name, value)
    connect_args.setdefault("tcp_user_timeout", TCP_USER_TIMEOUT_MS)
    if statement_timeout:
        options = str(connect_args.get("options") or "")
        if "statement_timeout" not in options:
            connect_args["options"] = f"{options} -c statement_timeout={statement_timeout * 1000}".strip()


def answer_deadline(engine: Engine, statement_timeout: int, grace: float = ANSWER_GRACE) -> None:
    """Make `engine`'s connections AnsweringConnections that wait statement_timeout + grace at most
    (a statement timeout of 0, none, leaves them waiting as long as the server takes)."""
    if engine.dialect.name != "postgresql" or not statement_timeout:
        return

    @event.listens_for(engine, "do_connect")
    def connect(_dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        connection = AnsweringConnection.connect(*cargs, **cparams)
        connection.answer_timeout = statement_timeout + grace
        return connection


@contextlib.contextmanager
def unhurried(connection: Connection) -> Iterator[None]:
    """Inside a transaction: no statement timeout and no answer deadline until it ends (migrations may
    rewrite large tables). SET LOCAL ends with the transaction; the deadline is put back here."""
    if connection.dialect.name != "postgresql":
        yield
        return
    connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    raw = connection.connection.dbapi_connection
    saved = getattr(raw, "answer_timeout", None)
    if isinstance(raw, AnsweringConnection):
        raw.answer_timeout = None
    try:
        yield
    finally:
        if isinstance(raw, AnsweringConnection):
            raw.answer_timeout = saved
