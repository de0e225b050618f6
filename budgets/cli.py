"""Command line: `python -m budgets allocate FILE.pb [--rule R] [--format text|json]` and `check FILE.pb`."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence

from budgets.allocation import Allocation
from budgets.election import Election
from budgets.pb_reader import PabulibError, read_pb
from budgets.progress import ProgressLine
from budgets.rules import RULES, UnknownRuleError, allocate

# The Equal Shares completions `check --variants` tries: Pabulib's and equalshares.net's.
ADD1_VARIANTS = ("equalshares/add1", "equalshares/add1e", "equalshares/add1u", "equalshares/add1eu")
EXIT_DIFFERENT = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m budgets", description="Participatory-budgeting allocation engine."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    jobs_default = 1
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
            help=f"add1 worker processes; above 1 it steps levels in parallel (default {jobs_default})",
        )
        if name == "allocate":
            command.add_argument("--format", choices=("text", "json"), default="text")
        else:
            command.add_argument(
                "--variants",
                action="store_true",
                help=f"also say which of {', '.join(ADD1_VARIANTS)} reproduce the official selection",
            )
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
    # A rule Pabulib has no name for is "unknown" in META; Commonfix's exports name it in `comment`
    # ("allocation rule phragmen"), so `check` reproduces a round's result from its file alone.
    named = re.search(r"allocation rule (\S+)", election.meta.get("comment", ""))
    if declared == "unknown" and named is not None and named.group(1).rstrip(";,.") in RULES:
        return named.group(1).rstrip(";,.")
    print(f"{path}: META rule {declared!r} is not one this engine runs; using greedy", file=sys.stderr)
    return "greedy"


def _run(election: Election, rule: str, jobs: int) -> Allocation:
    progress = ProgressLine(rule)
    try:
        return allocate(election, rule, progress=progress, jobs=jobs)
    finally:
        progress.close()


def _official(election: Election) -> set[str] | None:
    if not any("selected" in project.fields for project in election.projects):
        return None
    return {p.project_id for p in election.projects if p.fields.get("selected", "0").strip() == "1"}


def _variants(election: Election, path: str, jobs: int) -> None:
    official = _official(election)
    if official is None:
        return
    same = [rule for rule in ADD1_VARIANTS if set(_run(election, rule, jobs).selected) == official]
    if same:
        print(f"{path}: add1 variants that reproduce the official selection: {', '.join(same)}")
    else:
        print(f"{path}: no add1 variant reproduces the official selection ({', '.join(ADD1_VARIANTS)})")


def _check(election: Election, outcome: Allocation, path: str) -> int:
    official = _official(election)
    if official is None:
        print(f"{path}: no official outcome to compare (the file has no `selected` column)")
        return 0
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
        status = _check(election, outcome, args.file)
        if args.variants:
            _variants(election, args.file, args.jobs)
        return status
    if args.format == "json":
        json.dump(outcome.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for pid in outcome.selected:
            print(pid)
    return 0
