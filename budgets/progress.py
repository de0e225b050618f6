"""A one-line progress display on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressLine:
    """Rewrites one status line in place; silent when the stream is not a TTY (pipes, CI logs)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.active = self.stream.isatty()
        self.started = time.perf_counter()
        self.shown = False

    def __call__(self, step: int, level: int) -> None:
        """Report add1 step `step`, trying a per-voter budget of `level`."""
        if not self.active:
            return
        elapsed = time.perf_counter() - self.started
        spinner = "|/-\\"[step % 4]
        self.stream.write(
            f"\r{spinner} {self.label}: step {step:,}, per-voter budget {level:,} ({elapsed:.1f} s)"
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Erase the line."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
