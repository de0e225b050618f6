"""A seeded demo Commonfix served by gunicorn on 127.0.0.1, and Debian's Chromium, for browser tests."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.gunicorn_server import ROOT, gunicorn
from tests.worker_process import running_worker

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO_PASSWORD = "demo-password"
DEMO_RESIDENT = "resident1@demo.commonfix.org"


@dataclass(frozen=True)
class LiveServer:
    url: str
    database_url: str
    env: dict[str, str]


def server_env(workdir: Path) -> dict[str, str]:
    """A private database, upload folder and secret; no rate limits; no map tiles (offline)."""
    env = dict(os.environ)
    env.update(
        {
            "COMMONFIX_ENV": "development",
            "DATABASE_URL": f"sqlite:///{workdir / 'commonfix.db'}",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
            "MAIL_OUTBOX_DIR": str(workdir / "outbox"),  # development mail: .eml files to read back
            "QUEUE_URL": f"sqlite:///{workdir / 'queue.sqlite3'}",  # a private embedded job queue
            "SECRET_KEY": "browser-tests-not-secret",
            "RATELIMIT_ENABLED": "false",
            "TILE_URL": "none",
            "SPATIALITE_LIBRARY_PATH": "mod_spatialite",
        }
    )
    return env


def flask_command(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def copy_sqlite_file(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite file (SQLite's online backup, so nothing waiting in a WAL is lost)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)


def database_file(env: dict[str, str]) -> Path:
    return Path(env["DATABASE_URL"].removeprefix("sqlite:///"))


def seed_demo_database(workdir: Path) -> Path:
    """init-db + seed-demo into a fresh SQLite file in `workdir`, as `make run` does; returns the file."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = server_env(workdir)
    flask_command(env, "init-db")
    flask_command(env, "seed-demo")
    return database_file(env)


def load_demo_city(env: dict[str, str], seeded: Path | None) -> None:
    """Give `env`'s database the demo city: a copy of `seeded` (made by seed_demo_database), else its own."""
    if seeded is None:
        flask_command(env, "init-db")
        flask_command(env, "seed-demo")
    else:
        copy_sqlite_file(seeded, database_file(env))


@contextmanager
def demo_server(workdir: Path, seeded: Path | None = None) -> Iterator[LiveServer]:
    """The demo city in a fresh SQLite file (a copy of `seeded`, or init-db + seed-demo), then gunicorn
    (2 workers) and the job queue's worker (it sends the mail), as `make run` starts them, until the
    block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = server_env(workdir)
    load_demo_city(env, seeded)
    with (
        running_worker(env, workdir / "worker.log"),
        gunicorn(env, workdir / "server.log", workers=2) as url,
    ):
        yield LiveServer(url, env["DATABASE_URL"], env)


def chromium_missing() -> str | None:
    """Why Chromium cannot run here, or None."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    return None


def launch_options() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "en-GB",
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}
PHONE_390 = {**PHONE, "viewport": {"width": 390, "height": 844}}  # the size the screenshots are judged at
LAPTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "en-GB"}
