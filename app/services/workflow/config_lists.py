"""What the admins' configured lists (statuses, categories) share: a code that never changes, a name
unique ignoring case, and an order moved one place at a time."""

from __future__ import annotations

import re
from typing import Protocol, TypeVar

from sqlalchemy import select

from app.database.sessions import DbSession
from app.models import Category, Status
from app.services.kernel.errors import Conflict, NotFound, ValidationError
from app.services.kernel.text import clean_line_name, name_key

CODE_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAME_MAX = 80


class Listed(Protocol):
    """A row of a configured list: statuses.Status, place.Category."""

    code: str
    name: str
    position: int


def clean_code(raw: object, example: str) -> str:
    """A new row's code: lowercase letters, digits and single hyphens, at most 40 (`example` shows one)."""
    code = str(raw or "").strip().lower()
    if not code:
        raise ValidationError(f"Code is required, like {example}.", "code")
    if len(code) > 40 or not CODE_RE.match(code):
        raise ValidationError(
            f"Code must be at most 40 lowercase letters, digits and single hyphens, like {example}.", "code"
        )
    return code


def clean_name(raw: object) -> str:
    """The name on one line, held to the rules of every name shown to people (`text.clean_line_name`)."""
    return clean_line_name(raw, NAME_MAX)


def check_name_free(
    session: DbSession, model: type[Status] | type[Category], noun: str, name: str, code: str | None
) -> None:
    """No other row of `model` reads as `name` (`name_key`): two alike could not be told apart."""
    key = name_key(name)
    for other_code, other_name in session.execute(select(model.code, model.name)).tuples():
        if other_code != code and name_key(other_name) == key:
            raise Conflict(
                f"The {noun} {other_code!r} is already named {other_name!r}: choose another name.", "name"
            )


T = TypeVar("T", bound=Listed)


def moved(ordered: list[T], noun: str, code: str, direction: str) -> list[T]:
    """The list with the row `code` one place up or down, positions renumbered 0..n-1."""
    if direction not in ("up", "down"):
        raise ValidationError("Direction must be up or down.", "direction")
    index = next((i for i, row in enumerate(ordered) if row.code == code), None)
    if index is None:
        raise NotFound(f"There is no {noun} {code[:40]!r}.", noun)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(ordered):
        raise ValidationError(
            f"{ordered[index].name!r} is already {'first' if direction == 'up' else 'last'}.", "direction"
        )
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        row.position = position
    return ordered
