"""The production profile's settings: its command line (`python -m ops.production --help`)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    root: Path
    host: str
    port: int
    pg_port: int
    redis_port: int
    web_workers: int
    demo: bool
    restore: Path | None = None  # a backup folder to restore over the profile's data before serving

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def parse_args(argv: Sequence[str], description: str | None) -> tuple[Settings, str]:
    """The settings and the mode ("run", "dry-run" or "env") of `python -m ops.production ARGS`."""
    parser = argparse.ArgumentParser(prog="python -m ops.production", description=description)
    parser.add_argument("--dir", type=Path, default=ROOT / "instance" / "production", help="what is kept")
    parser.add_argument("--host", default="127.0.0.1", help="gunicorn's address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="gunicorn's port (default 8000)")
    parser.add_argument("--pg-port", type=int, default=5433, help="PostgreSQL's loopback port (5433)")
    parser.add_argument("--redis-port", type=int, default=6380, help="Redis's loopback port (6380)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes (2)")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="load the demo city into an empty database (to try the profile: its password is public)",
    )
    parser.add_argument("--no-demo", action="store_true", help="never load the demo city (the default)")
    parser.add_argument("--dry-run", action="store_true", help="say what would run, start nothing")
    parser.add_argument("--env", action="store_true", help="print its settings as shell lines (for eval)")
    parser.add_argument(
        "--restore",
        type=Path,
        metavar="BACKUP",
        help="before serving, restore this backup (`flask restore --force`) over the profile's data",
    )
    args = parser.parse_args(argv)
    settings = Settings(
        args.dir.resolve(),
        args.host,
        args.port,
        args.pg_port,
        args.redis_port,
        args.web_workers,
        args.demo and not args.no_demo,
        args.restore.resolve() if args.restore else None,
    )
    return settings, "env" if args.env else "dry-run" if args.dry_run else "run"
