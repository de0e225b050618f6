"""Command line: `python -m budgets allocate FILE.pb [--rule R] [--format text|json]` and `check FILE.pb`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from budgets.allocation import Allocation
from budgets.election import Election
from budgets.pb_reader import PabulibError, read_pb
from budgets.progress import ProgressLine
from budgets.rules import RULES, UnknownRuleError, allocate

EXIT_DIFFERENT = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m budgets", description="Participatory-budgeting allocation engine."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    jobs_default = min(2, os.cpu_count() or 1)
    for name, text in (
        ("allocate", "run a rule on a .pb file and print the funded projects"),
        ("check", "compare a rule's outcome with the file's official `selected` column"),
    ):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("file", metavar="FILE.pb")
        command.add_argument("--rule", help=f"one of: {', '.join(RULES)} (default: the file's META rule)")
        command.add_argument(
            "--jobs",
            type=int,
            default=jobs_default,
            help=f"worker processes for the add1 completion (default {jobs_default})",
        )
        if name == "allocate":
            command.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def _rule_for(election: Election, requested: str | None, path: str) -> str:
    if requested is not None:
        if requested not in RULES:
            raise UnknownRuleError(requested)
        return requested
    declared = election.rule
    if declared in RULES:
        assert declared is not None
        return declared
    print(f"{path}: META rule {declared!r} is not one this engine runs; using greedy", file=sys.stderr)
    return "greedy"


def _run(election: Election, rule: str, jobs: int) -> Allocation:
    progress = ProgressLine(rule)
    try:
        return allocate(election, rule, progress=progress, jobs=jobs)
    finally:
        progress.close()


def _check(election: Election, outcome: Allocation, path: str) -> int:
    if not any("selected" in project.fields for project in election.projects):
        print(f"{path}: no official outcome to compare (the file has no `selected` column)")
        return 0
    official = {p.project_id for p in election.projects if p.fields.get("selected", "0").strip() == "1"}
    ours = set(outcome.selected)
    if official == ours:
        print(f"{path}: {outcome.rule} reproduces the official selection ({len(ours)} projects)")
        return 0
    print(f"{path}: {outcome.rule} differs from the official selection")
    for label, ids in (
        ("official only", official - ours),
        (f"{outcome.rule} only", ours - official),
    ):
        for pid in sorted(ids):
            print(f"  {label}: {pid}: {outcome.explanations[pid].reason}")
    return EXIT_DIFFERENT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 check found differences, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        election = read_pb(args.file)
        rule = _rule_for(election, args.rule, args.file)
    except PabulibError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"{args.file}: cannot read: {error.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnicodeDecodeError as error:
        print(f"{args.file}:1: not UTF-8 text ({error.reason})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except UnknownRuleError as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    outcome = _run(election, rule, args.jobs)
    if args.command == "check":
        return _check(election, outcome, args.file)
    if args.format == "json":
        json.dump(outcome.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for pid in outcome.selected:
            print(pid)
    return 0
