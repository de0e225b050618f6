"""API: the OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Response, jsonify

from app.api import bp
from app.api.openapi_document import build_document


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_document())
