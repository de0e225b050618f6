"""Parsing API input: JSON bodies and query parameters, each error naming its field."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from app.services.kernel.errors import DomainError
from app.services.kernel.parsing import ID_MAX, optional_int


def json_body() -> dict[str, Any]:
    data = None
    if request.is_json:
        try:
            data = request.get_json()
        except BadRequest:
            # Found from outside: a JSON object with a number like 1e400 was told to send a JSON object.
            raise DomainError(
                "The request body is not JSON this API can read: check its syntax, and that each number "
                "fits a 64-bit integer or a double (like 51.05, not 1e400)."
            ) from None
    if not isinstance(data, dict):
        raise DomainError("The request body must be a JSON object (Content-Type: application/json).")
    return data


def int_param(
    name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None
) -> int | None:
    return optional_int(
        request.args.get(name), name, default=default, minimum=minimum, maximum=maximum or ID_MAX
    )
