"""The production profile's children: waiting for gunicorn to be ready, stopping with the script, and how
often one that exits on its own is started again."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field


def wait_for_http(
    url: str, process: subprocess.Popen[bytes], timeout: float = 120, path: str = "/api/v1/health/ready"
) -> None:
    """Until `path` answers 200 (by default the readiness check: database, its migrations and the queue
    all reachable); on timeout, say what it last answered."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + path, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:  # 503: up, not ready; its body names the failing checks
            last = f"{error.code} {error.read(500).decode(errors='replace')}"
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn at {url} was not ready within {timeout:.0f} s ({last})")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def stop_with_parent(signum: int, parent: int) -> Callable[[], None]:
    """For a child, between fork and exec: ask Linux to send `signum` when `parent` dies (prctl
    PR_SET_PDEATHSIG), and send it at once if the parent is already gone. Elsewhere, nothing."""

    def arrange() -> None:
        if not sys.platform.startswith("linux"):
            return
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signum)

    return arrange


@dataclass
class RestartBudget:
    """How often a child that exits on its own is started again before the whole is stopped: at most
    `most` times within `window_s` seconds, after waiting 1, 2, 4 ... seconds (at most 30)."""

    most: int = 5
    window_s: float = 600.0
    times: list[float] = field(default_factory=list)

    def next_delay(self, now: float) -> float | None:
        """The wait before the next start at time `now` (monotonic seconds), or None: the budget is spent."""
        self.times = [at for at in self.times if now - at < self.window_s]
        if len(self.times) >= self.most:
            return None
        self.times.append(now)
        return min(2.0 ** (len(self.times) - 1), 30.0)
