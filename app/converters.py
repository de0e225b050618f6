"""URL converters: path ids in ASCII digits within the database's integer range, so others are a 404."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import Map
from werkzeug.routing.converters import IntegerConverter

from app.services.kernel.parsing import ID_MAX


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that matches only the digits 0-9 and stops at the largest id an id column stores.

    Werkzeug's own matches any Unicode digit (an Arabic-Indic one would be issue 1) and any size, and
    a Python int beyond 64 bits cannot be bound to a query, nor one past 32 bits compared with a
    PostgreSQL INTEGER id: the route would answer 500, not 404.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)
