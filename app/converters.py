"""URL converters: path ids in ASCII digits within the database's integer range, so others are a 404."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Map
from werkzeug.routing.converters import IntegerConverter

from app.services.kernel.parsing import ID_MAX


def digits_up_to(bound: int) -> str:
    """A regular expression (no capturing group) for the whole numbers 0 to `bound`, without leading zeros."""
    top = str(bound)
    alternatives = ["0"]
    if len(top) > 1:
        alternatives.append(f"[1-9][0-9]{{0,{len(top) - 2}}}")  # every number with fewer digits
    for place, digit in enumerate(top):  # as many digits: `top`'s first digits, then a smaller one
        lowest = 1 if place == 0 else 0
        if int(digit) > lowest:
            alternatives.append(f"{top[:place]}[{lowest}-{int(digit) - 1}][0-9]{{{len(top) - place - 1}}}")
    alternatives.append(top)
    return "(?:" + "|".join(alternatives) + ")"


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only the digits 0-9 up to the largest id an id column stores.

    Werkzeug's own matches any Unicode digit (an Arabic-Indic one would be issue 1) and any size, and
    a Python int beyond 64 bits cannot be bound to a query, nor one past 32 bits compared with a
    PostgreSQL INTEGER id: the route would answer 500, not 404. The bound is in the pattern itself, not
    only in `to_python`: Werkzeug checks a rule's methods before it converts, so a refused value on a
    path that other methods also serve would answer 405 instead of 404.
    """

    regex = digits_up_to(ID_MAX)

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
