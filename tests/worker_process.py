"""A real job-queue worker for the fault tests: `flask --app wsgi worker` in its own process.

`kill()` sends SIGKILL (a crash: Huey cannot finish or requeue what it was running); `stop()` asks
it to stop gracefully. The environment chooses the database and the queue (DATABASE_URL, QUEUE_URL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.jobs.worker import READY_LINE

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    log: Path
    log_start: int = 0  # where this worker's output begins in a log other workers may have written

    def log_text(self) -> str:
        """All this worker wrote so far."""
        try:
            with self.log.open("rb") as output:
                output.seek(self.log_start)
                return output.read().decode(errors="replace")
        except OSError:
            return "(no worker log)"

    def log_tail(self) -> str:
        return self.log_text()[-3000:]

    def wait_until_ready(self, timeout: float = 60.0) -> None:
        """Until the consumer says a stop signal now lets its jobs finish (its signal handlers are set);
        a worker that exits fails with the end of its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with code {self.process.returncode}:\n{self.log_tail()}")
            if READY_LINE in self.log_text():  # a job's traceback may already follow it
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start within {timeout:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, mid-job if it was running one."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def start_worker(env: dict[str, str], log: Path, *args: str) -> WorkerProcess:
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", *args]
    with log.open("ab") as output:
        start = output.tell()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    worker = WorkerProcess(process, log, start)
    worker.wait_until_ready()
    return worker


@contextmanager
def running_worker(env: dict[str, str], log: Path, *args: str) -> Iterator[WorkerProcess]:
    """A worker for the block; killed at the end if still running."""
    worker = start_worker(env, log, *args)
    try:
        yield worker
    finally:
        worker.stop()
