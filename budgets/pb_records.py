"""Splitting a `.pb` file's text into records (quoted fields included), and `FILE:LINE: reason` errors."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import repeat
from typing import NamedTuple

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


def records(lines: list[str], first: int = 0) -> Iterator[tuple[int, list[str], int]]:
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


def head_records(lines: list[str]) -> tuple[list[tuple[int, list[str]]], int]:
    """The records up to the VOTES header (included), and the index of the line after them.

    What follows is the VOTES body, nearly all of a file, which is read apart (see `plain_votes`).
    """
    head: list[tuple[int, list[str]]] = []
    after_marker = False
    for line_no, cells, after in records(lines):
        head.append((line_no, cells))
        if after_marker and cells != [""]:
            return head, after
        if len(cells) == 1 and cells[0].lower() == "votes":
            after_marker = True
    return head, len(lines)


class PlainVotes(NamedTuple):
    """VOTES body lines that `str.split(";")` reads exactly as `records` does, and their cells."""

    lines: list[str]
    joined: str  # the lines joined by ";", so one split gives every cell


def plain_votes(lines: list[str]) -> PlainVotes | None:
    """The VOTES body if plain: each line one record that `str.split(";")` reads as `records`.

    That is: no quotes, no tab, no space beside a `;`, no space at either end, no blank line but
    trailing ones (dropped here); a line's trailing carriage returns are dropped as `records` does.
    None when a line needs `records`. (A space beside a `;` that joins two lines is a space at the
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
    return PlainVotes(body, joined) if list(map(str.strip, body)) == body else None
