"""The OpenAPI 3.1 document for /api/v1 (built as plain data)."""

from typing import Any


def build_document() -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "Commonfix API", "version": "1"}, "paths": {}}
