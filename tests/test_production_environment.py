"""`python -m ops.production --env` prints the settings the production profile gives gunicorn and the
worker, as shell lines, so that an operator's `flask --app wsgi backup DIR` (or restore, create-user,
ledger-check) reaches the profile's PostgreSQL. Found from outside: nothing said how, and a plain
`flask --app wsgi backup DIR` backed up the development SQLite file of `make run` instead, successfully.
No server needed: it only reads the kept password and key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.flask_cli import STRONG_KEY
from tests.gunicorn_server import ROOT


def keep(folder: Path, name: str, value: str) -> None:
    (folder / name).write_text(value + "\n")
    (folder / name).chmod(0o600)


def test_env_prints_what_a_flask_command_needs_to_reach_the_profile(tmp_path: Path) -> None:
    keep(tmp_path, "postgres_password", "pg-pass-123")
    keep(tmp_path, "app_password", "app-pass-456")
    keep(tmp_path, "redis_password", "redis-pass-789")
    keep(tmp_path, "secret_key", STRONG_KEY)
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "PUBLIC_URL", "MAIL_SERVER")}
    env.pop("MAIL_BACKEND", None)
    command = [sys.executable, "-m", "ops.production", "--env", "--dir", str(tmp_path)]
    command += ["--port", "8123", "--pg-port", "5999", "--redis-port", "6999"]
    printed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr

    lines = printed.stdout.splitlines()
    assert "export COMMONFIX_ENV=production" in lines
    assert f"export SECRET_KEY={STRONG_KEY}" in lines
    # The app's role, as gunicorn's (ops/database_role.py), not the superuser.
    assert (
        "export DATABASE_URL=postgresql+psycopg://commonfix_app:app-pass-456@127.0.0.1:5999/commonfix"
        in lines
    )
    assert "export QUEUE_URL=redis://:redis-pass-789@127.0.0.1:6999/0" in lines
    assert "export RATELIMIT_STORAGE_URI=redis://:redis-pass-789@127.0.0.1:6999/1" in lines
    assert "export PUBLIC_URL=http://127.0.0.1:8123" in lines
    assert "export MAIL_BACKEND=outbox" in lines
    # Photos are kept with the rest (--dir), not in the checkout's instance folder, which a fresh clone
    # or `git clean` would take, shared with `make run`'s demo photos.
    assert f"export UPLOAD_FOLDER={tmp_path / 'uploads'}" in lines
    assert all(line.startswith("export ") for line in lines), printed.stdout

    # What the operator runs: the app builds with exactly those settings (it connects to nothing yet).
    shown = subprocess.run(
        ["bash", "-c", f'eval "$({" ".join(command)})" && {sys.executable} -c "{"; ".join(PRINT_SETTINGS)}"'],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    database_url = "postgresql+psycopg://commonfix_app:app-pass-456@127.0.0.1:5999/commonfix"
    assert shown.stdout.split() == [database_url, "True"]


PRINT_SETTINGS = [
    "from wsgi import app",
    "print(app.config['SQLALCHEMY_DATABASE_URI'])",
    f"print(app.config['SECRET_KEY'] == '{STRONG_KEY}')",
]


def test_env_without_a_profile_says_so(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "ops.production", "--env", "--dir", str(tmp_path / "none")]
    printed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 1
    assert printed.stdout == ""
    assert "make run-production" in printed.stderr
    assert not (tmp_path / "none").exists()  # nothing made: no key generated, no folder


def test_env_makes_no_key_for_a_profile_given_one_by_the_environment(tmp_path: Path) -> None:
    """Found reading the code from outside: for a profile started with SECRET_KEY in its environment
    (no secret_key kept), --env generated a key file and printed a key the site does not use."""
    keep(tmp_path, "postgres_password", "pg-pass-123")
    keep(tmp_path, "app_password", "app-pass-456")
    keep(tmp_path, "redis_password", "redis-pass-789")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    command = [sys.executable, "-m", "ops.production", "--env", "--dir", str(tmp_path)]
    printed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert printed.returncode == 1
    assert printed.stdout == ""
    assert "export the same SECRET_KEY" in printed.stderr
    assert not (tmp_path / "secret_key").exists()

    given = subprocess.run(
        command, cwd=ROOT, env={**env, "SECRET_KEY": "s" * 64}, capture_output=True, text=True, timeout=60
    )
    assert given.returncode == 0, given.stderr
    assert f"export SECRET_KEY={'s' * 64}" in given.stdout.splitlines()


@pytest.mark.parametrize("made", [(), ("app_password",), ("redis_password",)])
def test_env_for_a_profile_made_before_its_role_and_redis_password_says_to_start_it_once(
    tmp_path: Path, made: tuple[str, ...]
) -> None:
    keep(tmp_path, "postgres_password", "pg-pass-123")
    keep(tmp_path, "secret_key", STRONG_KEY)
    for name in made:
        keep(tmp_path, name, "kept")
    command = [sys.executable, "-m", "ops.production", "--env", "--dir", str(tmp_path)]
    printed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 1
    assert printed.stdout == ""  # never the superuser's login or a Redis URL without its password
    assert "start it once (make run-production)" in printed.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"postgres_password", "secret_key", *made}


@pytest.mark.parametrize(
    ("public_url", "proxies", "warned"),
    [
        ("https://fix.city.example", None, True),
        ("https://fix.city.example", "1", False),
        ("http://127.0.0.1:8123", None, False),
    ],
)
def test_a_site_behind_an_https_proxy_is_told_to_trust_it(
    tmp_path: Path, public_url: str, proxies: str | None, warned: bool
) -> None:
    """Behind the reverse proxy the README asks for (gunicorn serves plain HTTP), TRUSTED_PROXIES=0 makes
    every resident the proxy's address: one rate-limit quota for the whole city."""
    for name, value in (("postgres_password", "p"), ("app_password", "a"), ("redis_password", "r")):
        keep(tmp_path, name, value)
    keep(tmp_path, "secret_key", STRONG_KEY)
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "TRUSTED_PROXIES")}
    env["PUBLIC_URL"] = public_url
    if proxies is not None:
        env["TRUSTED_PROXIES"] = proxies
    command = [sys.executable, "-m", "ops.production", "--env", "--dir", str(tmp_path)]
    printed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert ("set TRUSTED_PROXIES=1" in printed.stderr) is warned
