"""The ballots a tally counted, kept with the round as JSON: what its Pabulib export reads once tallied.

A ballot is what the engine was given, {issue id: points} (1 for an approval), without its voter: the
list keeps the order the tally counted them in (the export numbers its voters by what the ballots say,
export.unlinkable). Kept because the
ballots a tally reads (members' ballots or likes, eligible voters only) change after it: members leave,
accounts are deleted, likes move.
"""

from __future__ import annotations

import json
from collections.abc import Sequence


def dumps(ballots: Sequence[dict[int, int]]) -> str:
    """The ballots as compact JSON: a list of {"issue id": points}."""
    return json.dumps(
        [{str(issue): points for issue, points in b.items()} for b in ballots], separators=(",", ":")
    )


def loads(text: str) -> list[dict[int, int]]:
    """The ballots `dumps` wrote, as the engine takes them."""
    return [{int(issue): int(points) for issue, points in ballot.items()} for ballot in json.loads(text)]
