"""API: the OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from app.api import bp
from app.api.contract import Reply, build_document, operation


@bp.get("/openapi.json")
@operation(
    operation_id="openapi",
    summary="This document",
    replies={200: Reply("OpenAPI 3.1", schema={"type": "object"})},
)
def openapi() -> Response:
    return jsonify(document())


def document() -> dict[str, Any]:
    """Built once per app: the routes and models do not change while it runs."""
    built: dict[str, Any] | None = current_app.extensions.get("openapi_document")
    if built is None:
        built = current_app.extensions["openapi_document"] = build_document(current_app)
    return built
