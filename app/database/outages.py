"""Telling a database that cannot be reached (stopped, restarting, out of reach) from every other error."""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import DBAPIError

# SQLSTATEs a PostgreSQL server answers with while it cannot serve: class 08 (connection exception),
# 57P01-57P03 (shut down by an administrator or a crash, starting up or shutting down).
UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached, rather than that a statement failed.

    A connection that broke mid-request is one SQLAlchemy invalidated; one that could not be opened
    raises the driver's OperationalError without a server's SQLSTATE (refused, timed out, name not
    found) or with one of the states above. Serialisation failures and deadlocks carry their own
    SQLSTATE (class 40) and are not outages. A SQLite file that cannot be opened is out of reach too.
    """
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, psycopg.OperationalError):
        state = original.sqlstate
        return state is None or state.startswith(UNAVAILABLE_STATES)
    # SQLite: the file's folder is missing or not ours (a mistyped DATABASE_URL, a disk not mounted).
    return SQLITE_CANNOT_OPEN in str(original)


SQLITE_CANNOT_OPEN = "unable to open database file"


def outage_summary(error: BaseException) -> str:
    """The driver's first line (e.g. 'connection failed: ... Connection refused'), for one log line."""
    original = error.orig if isinstance(error, DBAPIError) else error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
