"""Loopback ports for the tests' servers (gunicorn, redis-server, PostgreSQL): one block per xdist worker.

A port found free by binding to port 0 is only free until someone else binds it: with two workers starting
servers side by side, both could be handed the same port, and a server of one could even answer the
other's health check. So each worker takes its ports from its own block below the kernel's ephemeral
range (32768-60999 on Linux, where outgoing connections and port-0 binds land): workers never hand out
each other's ports, and within a worker successive calls go round the block from a random start, so a
port is not handed out again until the block has been used up. A port that something else holds is skipped.
"""

from __future__ import annotations

import itertools
import os
import random
import socket
from collections.abc import Iterator

FIRST_PORT = 20000
BLOCK_SIZE = 1000
BLOCKS = 12  # 20000-31999: below the ephemeral range


def worker_index() -> int:
    """0 for a run without workers or for gw0, 1 for gw1, ..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0) if worker.startswith("gw") else 0


def _block_ports() -> Iterator[int]:
    first = FIRST_PORT + (worker_index() % BLOCKS) * BLOCK_SIZE
    start = random.randrange(BLOCK_SIZE)  # two runs side by side (two checkouts) start apart
    return itertools.cycle([first + (start + i) % BLOCK_SIZE for i in range(BLOCK_SIZE)])


_ports = _block_ports()


def free_port() -> int:
    """A loopback port no server of this test run has been given yet and that nothing is bound to now."""
    for _ in range(BLOCK_SIZE):
        port = next(_ports)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue  # in use (or lingering in TIME_WAIT): the next one
            return port
    raise RuntimeError(f"no free loopback port in this worker's block from {FIRST_PORT}")
