"""The orders issue lists come in, each total (it ends with the id, which no two issues share).

rank: most likes first, then the older report, then the lower id; new: the newest report first, then
the higher id; id: the lowest id first. Only id's key never changes (likes move an issue in rank, and a
new report comes first in new), so only id takes a keyset cursor: a page that starts after an id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam

from app.database import keyset
from app.services.kernel.errors import ValidationError

RANKING_RULE = "Most likes first; when two problems have as many likes, the older report ranks higher."
SORTS = ("rank", "new", "id")
# The bound parameter of the id order's cursor: 0 starts at the first issue.
AFTER_ID = "after_id"


def check_sort(sort: str) -> None:
    if sort not in SORTS:
        raise ValidationError(f"sort must be one of {', '.join(SORTS)}.", "sort")


def order_by(sort: str, likes: Any, created_at: Any, issue_id: Any) -> list[Any]:
    """The sort's ORDER BY over these columns (the issues' own, or a subquery's)."""
    check_sort(sort)
    if sort == "new":
        return [created_at.desc(), issue_id.desc()]
    if sort == "rank":
        return [likes.desc(), created_at, issue_id]
    return [issue_id]


def cursor_condition(sort: str, issue_id: Any) -> ColumnElement[bool] | None:
    """In id order, the issues after the bound AFTER_ID (a keyset page); None for the other orders."""
    if sort != "id":
        return None
    return keyset.after((issue_id,), (bindparam(AFTER_ID, type_=Integer),))
