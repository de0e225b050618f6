"""The foundation benchmark's settings (full and quick runs) and the shapes of what it measures."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench import like_ledger
from bench.databases import Sizes
from bench.loadgen import ServerSpec, WrkResult
from geo.coordinates import BBox


@dataclass(frozen=True)
class Settings:
    sizes: Sizes
    blocks: int  # interleaved in-process blocks
    health_reps: int  # per block
    bbox_reps: int  # per block
    ranked_reps: int  # per area per block
    rounds: int  # HTTP rounds (health, bbox, like each)
    seconds: float  # per wrk run
    connections: int
    wrk_threads: int
    residents_with_tokens: int
    server: ServerSpec
    like_tail: int  # seconds at the end of each like run that replay stored likes (bench/loadgen.py LIKE_LUA)


def like_budget(issues: int, residents: int, likes: int) -> int:
    """The loader rounds each issue's share of the budget down; the budget that yields >= `likes` likes.

    Mirrors app.demo.seed._likes (weights 1/(rank+1)**0.8, capped at the number of residents).
    """
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(issues)]
    total = sum(weights)
    budget = likes
    while sum(min(residents, int(w * budget / total)) for w in weights) < likes:
        budget += max(1, likes // 200)
    return budget


FULL = Settings(
    sizes=Sizes(issues=100_000, residents=20_000, likes=like_budget(100_000, 20_000, 1_000_000)),
    blocks=5,
    health_reps=200,
    bbox_reps=40,
    ranked_reps=5,
    rounds=3,
    seconds=10,
    connections=16,
    wrk_threads=2,
    residents_with_tokens=2_000,
    server=ServerSpec(workers=4, threads=2),
    like_tail=2,
)
QUICK = Settings(
    sizes=Sizes(issues=10_000, residents=2_000, likes=like_budget(10_000, 2_000, 100_000)),
    blocks=2,
    health_reps=100,
    bbox_reps=15,
    ranked_reps=2,
    rounds=1,
    seconds=3,
    connections=16,
    wrk_threads=2,
    residents_with_tokens=200,
    server=ServerSpec(workers=4, threads=2),
    like_tail=1,
)


# --- what is measured -------------------------------------------------------------------------------------


@dataclass
class Throughput:
    health: list[WrkResult] = field(default_factory=list)
    bbox: list[WrkResult] = field(default_factory=list)
    like: list[WrkResult] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # 1-minute load average as each round started
    # gunicorn's CPU time per answered request, by route (PostgreSQL's own work is not in it)
    cpu_ms: dict[str, list[float]] = field(default_factory=lambda: {"health": [], "bbox": [], "like": []})

    def ratios(self, name: str) -> list[float]:
        runs: list[WrkResult] = getattr(self, name)
        return [r.rps / h.rps for r, h in zip(runs, self.health, strict=True) if h.rps]


@dataclass(frozen=True)
class LikeCounts:
    new: int  # never-liked pairs sent, each once (all before the run's tail)
    replays: int  # tail requests repeating a pair already sent: idempotent, must add nothing
    errors: int  # like requests not answered 2xx (each one makes the audit inexact)


@dataclass
class BackendResult:
    name: str
    facts: dict[str, str]
    issues: int
    likes: int
    viewport: BBox
    viewport_features: int
    plans: dict[str, list[str]]
    index_used: dict[str, bool]
    inproc: dict[str, list[float]]
    http: Throughput
    audit: like_ledger.Audit
    like_counts: LikeCounts
    restored: bool
