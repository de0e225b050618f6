"""A real multi-process server for tests: gunicorn serving wsgi:app on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ops.supervised import wait_for_http
from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    """Until the app answers; a server that exits or stays silent fails with the end of its log."""
    try:
        wait_for_http(url, process, timeout, path="/api/v1/health")
    except RuntimeError as error:
        raise RuntimeError(f"{error}:\n{log.read_text()[-3000:]}") from None


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 2, threads: int = 1) -> Iterator[str]:
    """Serve the app with `env` until the block ends; yields the base URL. Loopback only."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads)]
    command += ["--timeout", "60", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    env = {"PUBLIC_URL": url, **env}  # links in mail lead here unless the test sets its own
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
