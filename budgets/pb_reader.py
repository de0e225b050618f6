"""Reading Pabulib `.pb` files into an Election, with `FILE:LINE: reason` errors for malformed input."""

from __future__ import annotations

import csv
import gc
import re
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import chain, repeat
from pathlib import Path
from typing import NamedTuple

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


def _records(lines: list[str], first: int = 0) -> Iterator[tuple[int, list[str], int]]:
    """Yield (line number, fields, index of the next line) per record from lines[first:].

    Quoted fields may hold `;`, `""` and newlines, so a record can span several lines.
    """
    index = first
    total = len(lines)
    while index < total:
        start = index
        line = lines[index].rstrip("\r")
        index += 1
        if '"' not in line:
            cells = line.split(";")
            if " ;" in line or "; " in line or "\t" in line or line != line.strip():
                cells = [cell.strip() for cell in cells]
            yield start + 1, cells, index
            continue
        # A quoted field may run over several physical lines until its quotes balance.
        while line.count('"') % 2 == 1 and index < total:
            line = line + "\n" + lines[index].rstrip("\r")
            index += 1
        if line.count('"') % 2 == 1:
            raise PabulibError("", start + 1, "unterminated quoted field")
        yield start + 1, [cell.strip() for cell in next(csv.reader([line], delimiter=";"))], index


def _head_records(lines: list[str]) -> tuple[list[tuple[int, list[str]]], int]:
    """The records up to the VOTES header (included), and the index of the line after them.

    What follows is the VOTES body, nearly all of a file, which is read apart (see `_plain_votes`).
    """
    head: list[tuple[int, list[str]]] = []
    after_marker = False
    for line_no, cells, after in _records(lines):
        head.append((line_no, cells))
        if after_marker and cells != [""]:
            return head, after
        if len(cells) == 1 and cells[0].lower() == "votes":
            after_marker = True
    return head, len(lines)


class _PlainVotes(NamedTuple):
    """VOTES body lines that `str.split(";")` reads exactly as `_records` does, and their cells."""

    lines: list[str]
    joined: str  # the lines joined by ";", so one split gives every cell


def _plain_votes(lines: list[str]) -> _PlainVotes | None:
    """The VOTES body if plain: each line one record that `str.split(";")` reads as `_records`.

    That is: no quotes, no tab, no space beside a `;`, no space at either end, no blank line but
    trailing ones (dropped here); a line's trailing carriage returns are dropped as `_records` does.
    None when a line needs `_records`. (A space beside a `;` that joins two lines is a space at the
    end of a line, so looking for one in the joined text is the same check.)
    """
    end = len(lines)
    while end and not lines[end - 1].rstrip("\r"):
        end -= 1
    body = lines[:end]
    joined = ";".join(body)
    if "\r" in joined:
        body = list(map(str.rstrip, body, repeat("\r")))
        joined = ";".join(body)
    if '"' in joined or "\t" in joined or " ;" in joined or "; " in joined or "" in body:
        return None
    return _PlainVotes(body, joined) if list(map(str.strip, body)) == body else None


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
        head, body_start = _head_records(lines)
        body = _plain_votes(lines[body_start:])
        # Reading every record before any section means an unterminated quote is reported first.
        body_records = [] if body is not None else [record[:2] for record in _records(lines, body_start)]
    except PabulibError as error:
        raise PabulibError(source, error.line, error.reason) from None
    reader = _SectionReader(source)
    reader.take(chain(head, body_records))
    if body is not None:
        ballots = reader.ballot_reader.read_plain(body) if reader.ballot_reader is not None else None
        if ballots is None:
            # Something to report (or too unusual for the bulk reader): read row by row.
            reader.take(record[:2] for record in _records(lines, body_start))
        else:
            reader.ballots = ballots
    return reader.election()


class _SectionReader:
    """Reads the records of a file in order: META, PROJECTS, then VOTES through a `_BallotReader`."""

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
        self.ballot_reader: _BallotReader | None = None

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
                self.ballot_reader = _BallotReader(self.header, vote_type, ids, source)
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
                points = _parse_points(cells[self.points_at], self.source, line_no)
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

    def read_plain(self, body: _PlainVotes) -> list[Ballot] | None:
        """Read a plain VOTES body (see `_plain_votes`) a column at a time, checking distinct votes once.

        Gives the ballots `read` gives line by line, or None when some line has a problem, so that
        `read` can report it with its line number.
        """
        width, lines = self.width, body.lines
        if set(map(str.count, lines, repeat(";"))) != {width - 1}:
            return None
        cells = body.joined.split(";")
        columns = [cells[i::width] for i in range(width)]
        voter_ids, votes = columns[0], columns[1]
        if len(set(voter_ids)) != len(voter_ids):
            return None
        chosen_of = self._chosen_of(dict.fromkeys(votes))
        if chosen_of is None:
            return None
        chosen = list(map(chosen_of.__getitem__, votes))
        points: Iterable[tuple[int, ...] | None] = repeat(None)
        if self.with_points:
            found = self._points(chosen, columns[self.points_at]) if self.points_at >= 0 else None
            if found is None:
                return None
            points = found
        extra = [column for i, column in enumerate(columns) if i > 1 and i != self.points_at]
        fields = _field_dicts(self.extra_names, extra, len(lines))
        # tuple.__new__ builds each NamedTuple straight from its fields, without the Python-level _make.
        return list(map(tuple.__new__, repeat(Ballot), zip(chosen, points, voter_ids, fields, strict=False)))

    def _chosen_of(self, votes: Iterable[str]) -> dict[str, tuple[str, ...]] | None:
        """The projects of each distinct vote text, or None if one names an unknown project or one twice."""
        texts = [vote for vote in votes if vote]
        try:
            # Mapping through the id table checks every id and shares one string per project.
            ids_of = partial(map, self.project_lines.__getitem__)
            chosen = list(map(tuple, map(ids_of, map(str.split, texts, repeat(",")))))
        except KeyError:
            return None
        if list(map(len, map(set, chosen))) != list(map(len, chosen)):
            return None
        if self.vote_type == "choose-1" and max(map(len, chosen), default=0) > 1:
            return None
        found = dict(zip(texts, chosen, strict=True))
        found[""] = ()
        return found

    def _points(self, chosen: list[tuple[str, ...]], texts: list[str]) -> list[tuple[int, ...]] | None:
        """Each ballot's points, or None when some are malformed or do not fit the vote type."""
        found: dict[tuple[tuple[str, ...], str], tuple[int, ...]] = {}
        for key in dict.fromkeys(zip(chosen, texts, strict=True)):
            projects, text = key
            try:
                points = _parse_points(text, self.source, 0)
            except PabulibError:
                return None
            if ballot_problem(Ballot(projects, points), self.vote_type, self.project_lines) is not None:
                return None
            found[key] = points
        return list(map(found.__getitem__, zip(chosen, texts, strict=True)))


def _parse_points(text: str, source: str, line_no: int) -> tuple[int, ...]:
    """The points of one ballot, written `2,1,3` (an empty text gives none)."""
    if not text:
        return ()
    return tuple(
        parse_integer(item, "points", source, line_no, minimum=-(10**18)) for item in text.split(",")
    )


def _field_dicts(names: list[str], columns: list[list[str]], count: int) -> list[dict[str, str]]:
    """Each ballot's other VOTES columns by name; ballots with the same values share one dict.

    Those columns (age, sex, district ...) repeat a lot, and `Ballot.fields` is a read-only Mapping.
    """
    if not names:
        return [{}] * count
    rows = list(zip(*columns, strict=True))
    shared = {row: dict(zip(names, row, strict=True)) for row in dict.fromkeys(rows)}
    return list(map(shared.__getitem__, rows))


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
