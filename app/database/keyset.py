"""Keyset pages: rows read in ascending order of a unique key, each page starting after the last key
read (`WHERE key > last ORDER BY key LIMIT n`), never by an offset.

An offset counts rows again on every page, and a row inserted or moved before the offset shifts every
later row by one place: the next page repeats one or misses one. A key that never changes does not
move, so a page after it holds exactly the rows after it. The ledger CSVs stream this way (by chain
position, and by posting and line), and so does the API's harvest of every issue (`sort=id` with
`after`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_

Row = TypeVar("Row")


def after(key: Sequence[Any], last: Sequence[Any]) -> ColumnElement[bool]:
    """The rows whose `key` (columns, compared in turn) comes after `last` (values or bound parameters)
    in ascending order: the WHERE of the page that follows the row `last`."""
    if len(key) != len(last) or not key:
        raise ValueError("a keyset needs one last value per key column")
    first, rest = key[0], key[1:]
    if not rest:
        return first > last[0]  # type: ignore[no-any-return]
    return or_(first > last[0], and_(first == last[0], after(rest, last[1:])))


def pages(
    read_after: Callable[[tuple[Any, ...]], Sequence[Row]],
    key_of: Callable[[Row], tuple[Any, ...]],
    start: tuple[Any, ...],
    page_size: int,
) -> Iterator[Sequence[Row]]:
    """Every page `read_after(last)` gives, from `start`, each after the last row of the page before,
    until a page holds fewer than `page_size` rows (`read_after` reads at most that many)."""
    last = start
    while True:
        page = read_after(last)
        yield page
        if len(page) < page_size:
            return
        last = key_of(page[-1])
