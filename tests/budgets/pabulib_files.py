"""Where the shared Pabulib elections are, and how the budgets tests load them (read once each)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest
from hypothesis import settings

from budgets import Election, read_pb

REPO_ROOT = Path(__file__).resolve().parents[2]
PABULIB_DIR = Path(os.environ.get("PABULIB_DIR", REPO_ROOT.parent / "shared" / "pabulib"))
IN_CI = os.environ.get("CI", "").lower() == "true"

# Random elections: derandomized under CI so a red build always reproduces.
RANDOM_ELECTIONS = settings(max_examples=60, deadline=None, derandomize=IN_CI, print_blob=True)


def pabulib_path(name: str) -> Path:
    """Path of one shared Pabulib file; fails under CI and skips locally when it is missing."""
    path = PABULIB_DIR / name
    if not path.is_file():
        message = f"Pabulib file {path} not found (set PABULIB_DIR)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@cache
def _read(path: Path) -> Election:
    return read_pb(path)


def load_election(name: str) -> Election:
    """A shared Pabulib election, read once per test session."""
    return _read(pabulib_path(name))
