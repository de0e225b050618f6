"""Request-wide input rule: a NUL byte in a query, form or JSON value is a 422, in a part of the path a 404,
before any view runs."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, abort, request

from app.services.kernel.errors import ValidationError

NUL = "\x00"


def _json_nul_fields(value: object, field: str) -> Iterator[str]:
    """The top-level fields of a JSON body whose key or value (at any depth) holds a NUL byte."""
    if isinstance(value, str):
        if NUL in value:
            yield field
    elif isinstance(value, dict):
        for key, item in value.items():
            name = field or str(key)
            if NUL in str(key):
                yield name
            yield from _json_nul_fields(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _json_nul_fields(item, field)


def refuse_nul_bytes() -> None:
    """No text column takes a NUL byte (PostgreSQL refuses it outright), and no name or note needs one.

    A NUL in a part of the path (a status code, an Open311 service code) names nothing: 404. A JSON body
    is read whatever its framing (found from outside: one sent chunked, without a Content-Length, went
    past the check to PostgreSQL, as did a NUL in the path: 500s)."""
    if any(isinstance(value, str) and NUL in value for value in (request.view_args or {}).values()):
        abort(404)
    sources = [request.args.items(multi=True)]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sources.append(request.form.items(multi=True))
    for items in sources:
        for key, value in items:
            if NUL in key or NUL in value:
                field = key.replace(NUL, "")
                raise ValidationError(f"{field} must not contain a NUL byte.", field)
    if request.is_json:
        body = request.get_json(silent=True)
        for field in _json_nul_fields(body, ""):
            clean = field.replace(NUL, "")
            raise ValidationError(f"{clean} must not contain a NUL byte.", clean)


def register_input_rules(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
