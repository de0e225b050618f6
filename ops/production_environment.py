"""`python -m ops.production --env`: the settings the production profile gives gunicorn and the worker,
as `export NAME=value` lines, so that a `flask --app wsgi` command run by hand (backup, restore,
create-user, ledger-check) reaches the profile's PostgreSQL, Redis and photo folder:
`eval "$(python -m ops.production --env)"`. Without them a command would use `make run`'s SQLite file.
The database login is the app's role, as gunicorn's (ops/database_role.py): it reads and writes rows
but cannot change the schema, so migrations and restores go through the profile's own start
(`init-db` runs at every start; `--restore BACKUP`).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys

from ops.database_role import app_url
from ops.production import DATABASE, Profile, app_password, redis_url
from ops.production_settings import Settings

PRINTED = (
    "COMMONFIX_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "QUEUE_URL",
    "RATELIMIT_STORAGE_URI",
    "UPLOAD_FOLDER",
    "PUBLIC_URL",
    "MAIL_BACKEND",
)


def print_environment(settings: Settings) -> int:
    """Read from what the profile keeps (the cluster's password, the secret key); starts nothing."""
    password_file = settings.root / "postgres_password"
    if not password_file.exists():
        print(f"no production profile in {settings.root} yet: run make run-production first", file=sys.stderr)
        return 1
    if not os.environ.get("SECRET_KEY") and not (settings.root / "secret_key").exists():
        # The profile took its key from the environment: a key made here would not be the site's.
        print(
            f"no secret_key in {settings.root}: the profile got SECRET_KEY from the environment; "
            "export the same SECRET_KEY, then run --env again",
            file=sys.stderr,
        )
        return 1
    for kept in ("app_password", "redis_password"):
        if not (settings.root / kept).exists():
            print(
                f"no {kept} in {settings.root}: the profile there was made before it kept one (the app's "
                "own database role, Redis's password); start it once (make run-production), then run "
                "--env again",
                file=sys.stderr,
            )
            return 1
    with contextlib.redirect_stdout(sys.stderr):  # its remarks (PUBLIC_URL, mail, photos) are not for eval
        env = Profile(settings).app_environment(
            app_url(settings.pg_port, app_password(settings), DATABASE),
            redis_url(settings),
        )
    for name in PRINTED:
        if env.get(name):
            print(f"export {name}={shlex.quote(env[name])}")
    return 0
