"""The session type services take: a plain SQLAlchemy Session or Flask-SQLAlchemy's scoped `db.session`."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy.orm import Session, scoped_session

# Views and CLI commands pass `db.session`, a scoped_session proxy; runners and tests may pass a Session
# they opened themselves. Both offer the same typed methods. The proxy's parameter is Any because
# scoped_session is invariant in it and Flask-SQLAlchemy's is a Session subclass of its own.
DbSession: TypeAlias = Session | scoped_session[Any]
