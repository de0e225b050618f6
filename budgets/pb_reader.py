"""Reading Pabulib `.pb` files into an Election, with `FILE:LINE: reason` errors for malformed input."""

from __future__ import annotations

import csv
import gc
import re
from collections.abc import Iterator
from pathlib import Path

from budgets.election import VOTE_TYPES, Ballot, Election, Project, ballot_problem

SECTIONS = ("meta", "projects", "votes")
_INTEGRAL = re.compile(r"^([+-]?\d+)(?:\.0*)?$")


class PabulibError(ValueError):
    """Malformed input: prints as `FILE:LINE: reason`, the way compilers report errors."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


def parse_integer(text: str, what: str, source: str, line: int, *, minimum: int = 0) -> int:
    """Parse a whole number ("1200" or "1200.0"); money and counts are never fractional here."""
    match = _INTEGRAL.match(text.strip())
    if match is None:
        raise PabulibError(source, line, f"bad number for {what}: {text!r} is not a whole number")
    value = int(match.group(1))
    if value < minimum:
        raise PabulibError(source, line, f"{what} is negative: {value}")
    return value


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) per record; quoted fields may hold `;`, `""` and newlines."""
    lines = text.split("\n")
    index = 0
    total = len(lines)
    while index < total:
        start = index
        line = lines[index].rstrip("\r")
        index += 1
        if '"' not in line:
            cells = line.split(";")
            if " ;" in line or "; " in line or "\t" in line or line != line.strip():
                cells = [cell.strip() for cell in cells]
            yield start + 1, cells
            continue
        # A quoted field may run over several physical lines until its quotes balance.
        while line.count('"') % 2 == 1 and index < total:
            line = line + "\n" + lines[index].rstrip("\r")
            index += 1
        if line.count('"') % 2 == 1:
            raise PabulibError("", start + 1, "unterminated quoted field")
        yield start + 1, [cell.strip() for cell in next(csv.reader([line], delimiter=";"))]


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
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[Project] = []
    project_lines: dict[str, int] = {}
    ballots: list[Ballot] = []
    section = ""
    header: list[str] | None = None
    seen_sections: list[str] = []
    last_line = 0
    try:
        records = list(_records(text))
    except PabulibError as error:
        raise PabulibError(source, error.line, error.reason) from None
    ballot_reader: _BallotReader | None = None
    for line_no, row in records:
        last_line = line_no
        if ballot_reader is not None and len(row) > 1:
            ballots.append(ballot_reader.read(row, line_no))
            continue
        if len(row) == 1 and not row[0]:
            continue
        marker = row[0].lower()
        if len(row) == 1 and marker in SECTIONS:
            if marker in seen_sections:
                raise PabulibError(source, line_no, f"section {marker.upper()} appears twice")
            expected = SECTIONS[len(seen_sections)]
            if marker != expected:
                raise PabulibError(
                    source, line_no, f"expected section {expected.upper()}, found {marker.upper()}"
                )
            seen_sections.append(marker)
            if marker == "projects":
                _check_meta(meta, meta_lines, source)
            section, header = marker, None
            continue
        if not section:
            raise PabulibError(source, line_no, "expected the META section title")
        cells = row
        if header is None:
            header = _read_header(cells, section, source, line_no)
            if section == "votes":
                ids = {project.project_id: project.project_id for project in projects}
                ballot_reader = _BallotReader(header, meta.get("vote_type", "approval"), ids, source)
            continue
        if section == "meta":
            if len(cells) != 2:
                raise PabulibError(
                    source, line_no, f"META row needs 2 fields (key;value), found {len(cells)}"
                )
            if cells[0] in meta:
                raise PabulibError(source, line_no, f"META key {cells[0]!r} given twice")
            meta[cells[0]] = cells[1]
            meta_lines[cells[0]] = line_no
            continue
        if len(cells) != len(header):
            raise PabulibError(
                source,
                line_no,
                f"{section.upper()} row has {len(cells)} fields, the header has {len(header)}",
            )
        if section == "projects":
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
            projects.append(Project(project_id, cost, extra))
        else:
            assert ballot_reader is not None
            ballots.append(ballot_reader.read(cells, line_no))
    for needed in SECTIONS:
        if needed not in seen_sections:
            raise PabulibError(source, last_line, f"missing {needed.upper()} section")
    return _build(meta, meta_lines, projects, ballots, source)


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


class _BallotReader:
    """Reads VOTES rows into ballots, checking each against the projects read so far."""

    def __init__(self, header: list[str], vote_type: str, project_ids: dict[str, str], source: str) -> None:
        self.header = header
        self.width = len(header)
        self.extra_names = [name for name in header[2:] if name != "points"]
        self.points_at = header.index("points") if "points" in header else -1
        self.vote_type = vote_type
        self.with_points = vote_type in ("cumulative", "scoring")
        self.project_lines = project_ids
        self.known_ids = frozenset(project_ids)
        self.voter_lines: dict[str, int] = {}
        self.source = source

    def read(self, cells: list[str], line_no: int) -> Ballot:
        if len(cells) != self.width:
            raise PabulibError(
                self.source, line_no, f"VOTES row has {len(cells)} fields, the header has {self.width}"
            )
        voter_id = cells[0]
        voter_lines = self.voter_lines
        if voter_id in voter_lines:
            raise PabulibError(
                self.source,
                line_no,
                f"duplicate voter id {voter_id!r} (first on line {voter_lines[voter_id]})",
            )
        voter_lines[voter_id] = line_no
        vote = cells[1]
        try:
            # Mapping through the id table checks every id and shares one string per project.
            chosen = tuple(map(self.project_lines.__getitem__, vote.split(","))) if vote else ()
        except KeyError:
            chosen = tuple(item.strip() for item in vote.split(","))
        points: tuple[int, ...] | None = None
        if self.points_at >= 0:
            if self.with_points:
                text = cells[self.points_at]
                points = (
                    tuple(
                        parse_integer(item, "points", self.source, line_no, minimum=-(10**18))
                        for item in text.split(",")
                    )
                    if text
                    else ()
                )
            extra = dict(
                zip(
                    self.extra_names,
                    [c for i, c in enumerate(cells) if i > 1 and i != self.points_at],
                    strict=True,
                )
            )
        else:
            extra = dict(zip(self.extra_names, cells[2:], strict=True))
        ballot = Ballot(chosen, points, voter_id, extra)
        known = self.project_lines
        if self.with_points or len(set(chosen)) != len(chosen) or not self.known_ids.issuperset(chosen):
            reason = ballot_problem(ballot, self.vote_type, known)
            if reason is not None:
                raise PabulibError(self.source, line_no, reason)
        elif self.vote_type == "choose-1" and len(chosen) > 1:
            raise PabulibError(self.source, line_no, f"choose-1 ballot names {len(chosen)} projects")
        return ballot


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
