"""How GET /api/v1/issues pages: `sort`, `page` and `per_page` (offset pages), or `after` (keyset, by id).

`rank` and `new` page by offset: what a list shows a person. A like or a new report moves every later
issue by one place, so walking their pages may repeat or miss one. A harvester pages by id with `after`
(the `next_after` of the page before): an id never changes, so no insert and no like moves an issue
across the cursor (app/database/keyset.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from app.api.params import int_param
from app.services.issues.queries import FeaturePage
from app.services.kernel.errors import ValidationError
from app.services.kernel.parsing import ID_MAX, MAX_PAGE


@dataclass(frozen=True)
class IssuePaging:
    sort: str
    page: int
    per_page: int
    after: int | None  # the keyset cursor: list the issues with a higher id (sort=id only)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def members(self, found: FeaturePage) -> dict[str, object]:
        """The collection's paging members; in id order also `next_after`, the cursor of the next page
        (the last issue's id, or the cursor given when the page is empty)."""
        members: dict[str, object] = {"page": self.page, "per_page": self.per_page}
        members["has_next"] = found.has_next
        if self.sort == "id":
            cursor = found.last_id if found.last_id is not None else self.after
            if cursor is not None:
                members["next_after"] = cursor
        return members


def issue_paging(cap: int, default_per_page: int) -> IssuePaging:
    """The request's paging, checked: each error names its parameter. `after` without `sort` pages by id."""
    after = int_param("after", minimum=0, maximum=ID_MAX)
    sort = request.args.get("sort", "id" if after is not None else "rank")
    if after is not None and sort != "id":
        raise ValidationError("after pages by id: use it with sort=id, or leave sort out.", "after")
    # int_param refuses values under 1, so `or` only fills in the defaults.
    per_page = int_param("per_page", maximum=cap) or default_per_page
    page = int_param("page", maximum=MAX_PAGE) or 1
    if after is not None and page != 1:
        raise ValidationError("page and after exclude each other: follow next_after instead.", "page")
    return IssuePaging(sort, page, per_page, after)
