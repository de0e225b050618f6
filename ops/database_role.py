"""The app's own PostgreSQL role in the production profile: gunicorn and the worker log in as it.

Found from outside: the profile's web and worker logged in as the cluster's superuser, so one injected
statement or a compromised worker could read the server's files (`pg_read_server_files`,
`COPY ... FROM PROGRAM`), drop the ledger's append-only triggers or TRUNCATE it, and read or change
any database of the cluster.

The superuser keeps owning the schema: it runs the migrations (`init-db`), restores and the demo seed,
which the profile runs itself. The app role (`APP_ROLE`, its password kept in the profile's folder)
may only read and write rows: SELECT, INSERT, UPDATE and DELETE on the app's tables, the sequences
they draw ids from, and nothing else. A table whose rows the database refuses to update (a trigger
calling `ledger_refuse_update()`, as the migrations put on the ledger's tables) is append-only for it:
it may read and add rows, never change, delete or truncate them, whatever the app's code does. The
grants are made again at every start (after `init-db`), so tables a migration adds, and a restored
database, are covered.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

APP_ROLE = "commonfix_app"

# The app's tables: the schema's ordinary and partitioned tables, PostGIS's own left out.
APP_TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY c.relname
"""

# Tables whose rows a trigger refuses to update: the ledger's.
APPEND_ONLY_TABLES = """
SELECT DISTINCT c.relname FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_proc p ON p.oid = t.tgfoid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND p.proname = 'ledger_refuse_update' AND NOT t.tgisinternal
ORDER BY c.relname
"""

Connection = psycopg.Connection[tuple[object, ...]]


def ensure_app_role(superuser: Connection, password: str) -> bool:
    """Create the app role, or set its password to `password` (the kept one); True when created.

    Whatever an earlier hand may have given it, it is put back to a plain login: no superuser, no
    creating databases or roles, no replication, no bypassing row security."""
    exists = superuser.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    superuser.execute(
        sql.SQL(
            "{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
        ).format(sql.SQL(verb), sql.Identifier(APP_ROLE), sql.Literal(password))
    )
    return not exists


def grant_app_privileges(superuser: Connection, database: str) -> tuple[list[str], list[str]]:
    """Let the app role use `database` (the connection's): rows of its tables, their sequences.

    Returns the tables granted and, among them, the append-only ones (read and add only)."""
    role = sql.Identifier(APP_ROLE)
    superuser.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), role))
    superuser.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
    tables = [str(row[0]) for row in superuser.execute(APP_TABLES).fetchall()]
    append_only = [str(row[0]) for row in superuser.execute(APPEND_ONLY_TABLES).fetchall()]
    for table in tables:
        name = sql.Identifier(table)
        superuser.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(name, role))
        rights = "SELECT, INSERT" if table in append_only else "SELECT, INSERT, UPDATE, DELETE"
        superuser.execute(sql.SQL("GRANT {} ON TABLE {} TO {}").format(sql.SQL(rights), name, role))
    # nextval() for the ids rows are inserted with; SELECT for pg_dump (a backup run by the app role).
    superuser.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role))
    return tables, append_only


def app_url(port: int, password: str, database: str) -> str:
    """The SQLAlchemy URL the app logs in with (the generated password needs no quoting)."""
    return f"postgresql+psycopg://{APP_ROLE}:{password}@127.0.0.1:{port}/{database}"
