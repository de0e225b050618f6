"""A real multi-process server for tests: gunicorn serving wsgi:app on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    """Until the app answers; a server that exits or stays silent fails with the end of its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # not listening yet, or the workers are still booting
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


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
