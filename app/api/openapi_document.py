"""The OpenAPI 3.1 document for /api/v1, built as plain data.

Each feature's API module keeps its paths in a `*_PATHS` dict in an `openapi_*` module; list it in
PATH_GROUPS below. A test checks that every /api/v1 route is documented.
"""

from __future__ import annotations

from typing import Any

from app.api.openapi_exports import EXPORT_PATHS
from app.api.openapi_foundation import FOUNDATION_PATHS
from app.api.openapi_funding import FUNDING_PATHS
from app.api.openapi_rounds import ROUNDS_PATHS
from app.api.openapi_schemas import SCHEMAS, error_responses
from app.api.openapi_workflow import WORKFLOW_PATHS

PATH_GROUPS: list[dict[str, Any]] = [
    FOUNDATION_PATHS,
    FUNDING_PATHS,
    ROUNDS_PATHS,
    WORKFLOW_PATHS,
    EXPORT_PATHS,
]


def build_document() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for group in PATH_GROUPS:
        for path, operations in group.items():
            paths.setdefault(path, {}).update(operations)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Commonfix API",
            "version": "1.0.0",
            "summary": "Report civic problems, like them to set priorities, fund the fixes.",
            "description": (
                "Places are GeoJSON (RFC 7946, lon/lat, EPSG:4326). Errors are "
                '`{"error": {"code", "message", "field"}}`. Authenticate with a bearer token from '
                "`POST /api/v1/tokens`; browsers using the login cookie send `X-CSRFToken` on writes."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": error_responses(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Token from POST /tokens"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
