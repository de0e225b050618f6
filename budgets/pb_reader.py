"""Reading Pabulib `.pb` files into an Election, with `FILE:LINE: reason` errors for malformed input."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from itertools import chain
from pathlib import Path

from budgets.election import VOTE_TYPES, Ballot, Election, Project
from budgets.pb_records import PabulibError, head_records, parse_integer, plain_votes, records
from budgets.pb_votes import BallotReader

__all__ = ["PabulibError", "parse_integer", "parse_pb", "read_pb"]

SECTIONS = ("meta", "projects", "votes")


def read_pb(path: str | Path) -> Election:
    """Read a `.pb` file. Raises PabulibError (`FILE:LINE: reason`) for malformed input."""
    source = str(path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    return parse_pb(text, source)


def parse_pb(text: str, source: str = "<string>") -> Election:
    """Parse the text of a `.pb` file; `source` names it in error messages."""
    # Reading creates ~10^5 small immutable objects; cyclic garbage collection passes over them
    # would more than double the parse time and can find nothing to free.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, source)
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, source: str) -> Election:
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    try:
        head, body_start = head_records(lines)
        body = plain_votes(lines[body_start:])
        # Reading every record before any section means an unterminated quote is reported first.
        body_records = [] if body is not None else [record[:2] for record in records(lines, body_start)]
    except PabulibError as error:
        raise PabulibError(source, error.line, error.reason) from None
    reader = _SectionReader(source)
    reader.take(chain(head, body_records))
    if body is not None:
        ballots = reader.ballot_reader.read_plain(body) if reader.ballot_reader is not None else None
        if ballots is None:
            # Something to report (or too unusual for the bulk reader): read row by row.
            reader.take(record[:2] for record in records(lines, body_start))
        else:
            reader.ballots = ballots
    return reader.election()


class _SectionReader:
    """Reads the records of a file in order: META, PROJECTS, then VOTES through a `BallotReader`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.meta: dict[str, str] = {}
        self.meta_lines: dict[str, int] = {}
        self.projects: list[Project] = []
        self.project_lines: dict[str, int] = {}
        self.ballots: list[Ballot] = []
        self.section = ""
        self.header: list[str] | None = None
        self.seen_sections: list[str] = []
        self.last_line = 0
        self.ballot_reader: BallotReader | None = None

    def take(self, records: Iterable[tuple[int, list[str]]]) -> None:
        """Read (line number, fields) records, raising PabulibError at the first problem."""
        for line_no, row in records:
            self.last_line = line_no
            if self.ballot_reader is not None and len(row) > 1:
                self.ballots.append(self.ballot_reader.read(row, line_no))
            elif len(row) > 1 or row[0]:
                self._take_row(line_no, row)

    def _take_row(self, line_no: int, row: list[str]) -> None:
        source = self.source
        marker = row[0].lower()
        if len(row) == 1 and marker in SECTIONS:
            self._start_section(marker, line_no)
            return
        if not self.section:
            raise PabulibError(source, line_no, "expected the META section title")
        section, header, cells = self.section, self.header, row
        if header is None:
            self.header = _read_header(cells, section, source, line_no)
            if section == "votes":
                ids = {project.project_id: project.project_id for project in self.projects}
                vote_type = self.meta.get("vote_type", "approval")
                self.ballot_reader = BallotReader(self.header, vote_type, ids, source)
            return
        if section == "meta":
            if len(cells) != 2:
                raise PabulibError(
                    source, line_no, f"META row needs 2 fields (key;value), found {len(cells)}"
                )
            if cells[0] in self.meta:
                raise PabulibError(source, line_no, f"META key {cells[0]!r} given twice")
            self.meta[cells[0]] = cells[1]
            self.meta_lines[cells[0]] = line_no
            return
        if len(cells) != len(header):
            raise PabulibError(
                source,
                line_no,
                f"{section.upper()} row has {len(cells)} fields, the header has {len(header)}",
            )
        if section == "projects":
            self._take_project(cells, header, line_no)
        else:
            assert self.ballot_reader is not None
            self.ballots.append(self.ballot_reader.read(cells, line_no))

    def _start_section(self, marker: str, line_no: int) -> None:
        if marker in self.seen_sections:
            raise PabulibError(self.source, line_no, f"section {marker.upper()} appears twice")
        expected = SECTIONS[len(self.seen_sections)]
        if marker != expected:
            raise PabulibError(
                self.source, line_no, f"expected section {expected.upper()}, found {marker.upper()}"
            )
        self.seen_sections.append(marker)
        if marker == "projects":
            _check_meta(self.meta, self.meta_lines, self.source)
        self.section, self.header = marker, None

    def _take_project(self, cells: list[str], header: list[str], line_no: int) -> None:
        source, project_lines = self.source, self.project_lines
        project_id = cells[0]
        if not project_id:
            raise PabulibError(source, line_no, "empty project id")
        if project_id in project_lines:
            raise PabulibError(
                source,
                line_no,
                f"duplicate project id {project_id!r} (first on line {project_lines[project_id]})",
            )
        cost = parse_integer(cells[1], f"the cost of project {project_id!r}", source, line_no)
        project_lines[project_id] = line_no
        extra = {name: value for name, value in zip(header[2:], cells[2:], strict=True)}
        self.projects.append(Project(project_id, cost, extra))

    def election(self) -> Election:
        """The election read, once every record has been taken."""
        for needed in SECTIONS:
            if needed not in self.seen_sections:
                raise PabulibError(self.source, self.last_line, f"missing {needed.upper()} section")
        return _build(self.meta, self.meta_lines, self.projects, self.ballots, self.source)


def _read_header(cells: list[str], section: str, source: str, line_no: int) -> list[str]:
    if section == "meta":
        if cells[:2] != ["key", "value"]:
            raise PabulibError(source, line_no, "META header must be key;value")
        return cells
    required = ("project_id", "cost") if section == "projects" else ("voter_id", "vote")
    if tuple(cells[:2]) != required:
        wanted = ";".join(required)
        raise PabulibError(source, line_no, f"{section.upper()} header must start with {wanted}")
    if len(set(cells)) != len(cells):
        raise PabulibError(source, line_no, f"{section.upper()} header repeats a column")
    return cells


def _check_meta(meta: dict[str, str], meta_lines: dict[str, int], source: str) -> None:
    """Check the META keys the engine relies on, as soon as the META section ends."""

    def line_of(key: str) -> int:
        return meta_lines.get(key, 1)

    if "budget" not in meta:
        raise PabulibError(source, 1, "META has no budget")
    parse_integer(meta["budget"], "budget", source, line_of("budget"))
    vote_type = meta.get("vote_type", "approval")
    if vote_type not in VOTE_TYPES:
        raise PabulibError(
            source, line_of("vote_type"), f"unknown vote_type {vote_type!r}; valid: {', '.join(VOTE_TYPES)}"
        )
    for key in ("num_projects", "num_votes"):
        if key in meta:
            parse_integer(meta[key], key, source, line_of(key))
    for key in ("min_project_score_threshold", "min_length", "max_length", "max_sum_points", "max_sum_cost"):
        if meta.get(key):
            parse_integer(meta[key], key, source, line_of(key), minimum=-(10**18))
    if vote_type == "ordinal" and meta.get("scoring_fn", "Borda").strip().lower() != "borda":
        raise PabulibError(
            source, line_of("scoring_fn"), f"unsupported scoring_fn {meta['scoring_fn']!r} (only Borda)"
        )


def _build(
    meta: dict[str, str],
    meta_lines: dict[str, int],
    projects: list[Project],
    ballots: list[Ballot],
    source: str,
) -> Election:
    for key, actual in (("num_projects", len(projects)), ("num_votes", len(ballots))):
        if key in meta:
            line = meta_lines.get(key, 1)
            declared = parse_integer(meta[key], key, source, line)
            if declared != actual:
                noun = "projects" if key == "num_projects" else "votes"
                raise PabulibError(source, line, f"{key} says {declared}, the file has {actual} {noun}")
    budget = parse_integer(meta["budget"], "budget", source, meta_lines.get("budget", 1))
    vote_type = meta.get("vote_type", "approval")
    derived = ("budget", "vote_type", "num_projects", "num_votes")
    kept = {key: value for key, value in meta.items() if key not in derived}
    return Election(tuple(projects), tuple(ballots), budget, vote_type, kept, source, ballots_checked=True)
