"""Where a database's schema stands against this code's migrations: at their head, behind it, or unknown."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

# What an operator runs to bring the database to this code's schema (app/cli.py: init-db upgrades).
MIGRATE_COMMAND = "flask --app wsgi init-db"


@dataclass(frozen=True)
class SchemaState:
    """The revisions the database records (none: never migrated) and the heads of this code's migrations."""

    database: tuple[str, ...]
    code: tuple[str, ...]
    known: frozenset[str]  # every revision this code's migrations know

    @property
    def at_head(self) -> bool:
        return set(self.database) == set(self.code)

    @property
    def behind(self) -> bool:
        """Older than this code: never migrated, or at revisions this code knows that are not its heads.
        A revision it does not know was written by newer code (a deploy that migrated first)."""
        return not self.at_head and set(self.database) <= self.known

    def describe(self) -> str:
        """One line for operators (revision ids only: nothing secret)."""
        database = "at revision " + ", ".join(self.database) if self.database else "never migrated"
        code = ", ".join(self.code)
        if self.at_head:
            return f"at this code's head revision {code}"
        if self.behind:
            return f"behind: the database is {database}, this code needs {code}; run `{MIGRATE_COMMAND}`"
        return (
            f"ahead: the database is {database}, unknown to this code (head {code}): newer code migrated it"
        )


@functools.cache
def _migrations(directory: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The heads and every revision of the migrations in `directory` (read once: they are code)."""
    scripts = ScriptDirectory(directory)
    known = frozenset(script.revision for script in scripts.walk_revisions())
    return tuple(sorted(scripts.get_heads())), known


def schema_state(connection: Connection, directory: str) -> SchemaState:
    """Compare the revisions recorded in the database (alembic_version) with the migrations' heads."""
    code, known = _migrations(directory)
    recorded = MigrationContext.configure(connection).get_current_heads()
    return SchemaState(database=tuple(sorted(recorded)), code=code, known=known)
