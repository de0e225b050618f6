"""`make run` stops as an operator stops it: Ctrl-C in its terminal (SIGINT to the whole foreground
process group) or SIGTERM to make alone (`kill PID`, a process manager) stops gunicorn and the worker,
each gracefully, and make exits: nothing is left running. Found from outside: SIGTERM to make left
gunicorn serving and the worker polling, with make waiting on them for good. Its rate limits are exact
(one gunicorn process).

The database, queue, photos and mail go to a temporary folder (the settings `make run` passes on)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from app.jobs.worker import READY_LINE
from tests.flask_cli import STRONG_KEY
from tests.gunicorn_server import ROOT
from tests.ports import free_port

pytestmark = pytest.mark.slow

STARTUP_S = 240


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, read from ps (children of children included)."""
    table = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True)
    children: dict[int, list[int]] = {}
    for line in table.stdout.splitlines():
        child, parent = (int(field) for field in line.split())
        children.setdefault(parent, []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm-to-make"])
def test_make_run_stops_gunicorn_and_the_worker(how: str, tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ)
    env.update(
        COMMONFIX_ENV="development",
        SECRET_KEY=STRONG_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'commonfix.db'}",
        QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        UPLOAD_FOLDER=str(tmp_path / "uploads"),
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        PYTHONUNBUFFERED="1",
    )
    env.pop("PUBLIC_URL", None)
    log = tmp_path / "make-run.log"
    with log.open("wb") as output:
        make = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    started: set[int] = set()
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert make.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).ok:
                    break
            except requests.RequestException:  # not listening yet, or a first answer still slow
                pass
            time.sleep(0.5)
        while READY_LINE not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        started = descendants(make.pid)
        assert len(started) >= 4, started  # the shell, gunicorn's master and worker, the job worker

        # One gunicorn process, so the rate limits it keeps in memory are exact. Found from outside:
        # with two workers each counting apart, up to twice a limit got through (5 resets an hour).
        reset = f"http://127.0.0.1:{port}/api/v1/account/password-reset"
        answers = [
            requests.post(reset, json={"email": f"nobody-{how}@example.org"}, timeout=30).status_code
            for _ in range(8)
        ]
        assert answers == [202] * 5 + [429] * 3

        if how == "ctrl-c":
            os.killpg(make.pid, signal.SIGINT)
        else:
            make.send_signal(signal.SIGTERM)
        try:
            make.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make still runs 60 s after {how}:\n{log.read_text()[-3000:]}")
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = sorted(pid for pid in started if alive(pid))
        assert not left, f"still running after {how}: {left}\n{log.read_text()[-3000:]}"
        said = log.read_text()
        assert "Shutting down gracefully" in said  # the worker finished what it had in hand
        assert "Shutting down: Master" in said
        assert "Traceback" not in said
        # No control socket at one path per user, which another gunicorn of the same user would share.
        assert "Control socket" not in said
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
        for pid in started | descendants(make.pid):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        make.wait(timeout=30)
