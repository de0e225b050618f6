"""Reading a `.pb` file's VOTES rows into ballots: row by row, or a plain body a column at a time."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from itertools import repeat

from budgets.election import Ballot, ballot_problem
from budgets.pb_records import PabulibError, PlainVotes, parse_integer


class BallotReader:
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

    def read_plain(self, body: PlainVotes) -> list[Ballot] | None:
        """Read a plain VOTES body (see `plain_votes`) a column at a time, checking distinct votes once.

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
        return list(map(Ballot._make, zip(chosen, points, voter_ids, fields, strict=False)))

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
