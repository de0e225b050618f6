"""Parsing API input: JSON bodies and query parameters, each error naming its field."""

from __future__ import annotations

from typing import Any

from flask import request

from app.services.kernel.errors import DomainError, ValidationError


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("The request body must be a JSON object (Content-Type: application/json).")
    return data


def int_param(
    name: str, default: int | None = None, minimum: int = 1, maximum: int | None = None
) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number.", name) from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise ValidationError(
            f"{name} must be between {minimum}{upper}." if upper else f"{name} must be at least {minimum}.",
            name,
        )
    return value
