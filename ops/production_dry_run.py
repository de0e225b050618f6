"""`python -m ops.production --dry-run`: what the production profile would start, in order; starts nothing."""

from __future__ import annotations

import os

from ops.database_role import APP_ROLE
from ops.production import DATABASE, photo_folder, say
from ops.production_settings import Settings


def dry_run(settings: Settings) -> None:
    redis_url = f"redis://:***@127.0.0.1:{settings.redis_port}"
    steps = [
        f"PostgreSQL + PostGIS cluster in {settings.root / 'postgres'} on 127.0.0.1:{settings.pg_port} "
        "(initdb on first run, password in postgres_password, mode 600; as the 'postgres' user under root)",
        f"redis-server on 127.0.0.1:{settings.redis_port}, append-only file in {settings.root / 'redis'}, "
        "password in redis_password (mode 600), given to it in redis/redis.conf (mode 600)",
        "SECRET_KEY: "
        + (
            "from the environment"
            if os.environ.get("SECRET_KEY")
            else f"{settings.root / 'secret_key'} (generated once, mode 600)"
        ),
        "environment: COMMONFIX_ENV=production "
        f"DATABASE_URL=postgresql+psycopg://postgres:***@127.0.0.1:{settings.pg_port}/{DATABASE} "
        f"QUEUE_URL={redis_url}/0 RATELIMIT_STORAGE_URI={redis_url}/1 UPLOAD_FOLDER={photo_folder(settings)}",
        *(
            [f"flask --app wsgi restore --force {settings.restore} (its data replaces the profile's)"]
            if settings.restore
            else []
        ),
        "flask --app wsgi init-db (as the superuser, which owns the schema)",
        "flask --app wsgi seed-demo (--demo: only when the database has no users and no issues)"
        if settings.demo
        else "no demo city (without --demo: make the first admin with create-user)",
        f"grant the role {APP_ROLE} (password in app_password, mode 600) the rows of the app's tables, "
        "the ledger's read and add only; gunicorn and the worker log in as it "
        f"(DATABASE_URL=postgresql+psycopg://{APP_ROLE}:***@127.0.0.1:{settings.pg_port}/{DATABASE})",
        f"gunicorn --workers {settings.web_workers} --threads 4 --bind {settings.host}:{settings.port} "
        "wsgi:app, until /api/v1/health/ready answers",
        "flask --app wsgi worker (the one worker, with the scheduler)",
        "Ctrl-C: stop the worker and gunicorn, then Redis, then PostgreSQL",
    ]
    for number, step in enumerate(steps, 1):
        say(f"would {number}. {step}")
