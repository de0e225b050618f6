"""Two real threads racing on the database: the first is held inside its transaction (after its writes,
before its commit) while the second starts, and the second must wait for it (a row lock, SQLite's write
lock) before it sees the first's work."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest

First = TypeVar("First")
Second = TypeVar("Second")


class Hold:
    """Where the first thread stops: `hold()` says it got there and waits for `release`."""

    def __init__(self) -> None:
        self.reached, self.release = threading.Event(), threading.Event()

    def hold(self) -> None:
        self.reached.set()
        assert self.release.wait(30)

    def after(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> Hold:
        """Hold right after `owner.name` returns (a service step before the caller's commit)."""
        step = getattr(owner, name)

        def held(*args: Any, **kwargs: Any) -> Any:
            found = step(*args, **kwargs)
            self.hold()
            return found

        monkeypatch.setattr(owner, name, held)
        return self


def race(first: Callable[[], First], second: Callable[[], Second], held: Hold) -> tuple[First, Second]:
    """Run `first` until it is held, then `second`; check that `second` waits, let `first` commit, and
    return both results."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = pool.submit(first)
        assert held.reached.wait(30)
        waiting = pool.submit(second)
        time.sleep(1.0)
        assert not waiting.done()  # it waits for the first's lock
        held.release.set()
        return running.result(timeout=60), waiting.result(timeout=60)
