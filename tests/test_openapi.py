"""The OpenAPI document is valid 3.1 and describes every /api/v1 route the app serves."""

from __future__ import annotations

import re

from flask import Flask
from openapi_spec_validator import validate

from app.api.contract import build_document, undocumented_routes


def api_operations(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                found.add((path, method.lower()))
    return found


def test_document_is_valid_openapi_31(client) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_api_route_is_documented(app: Flask) -> None:
    assert not undocumented_routes(app), "routes without an @operation contract"
    document = build_document(app)
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    missing = sorted(api_operations(app) - documented)
    assert not missing, f"routes missing from the OpenAPI document: {missing}"
    stale = sorted(documented - api_operations(app))
    assert not stale, f"documented routes the app does not serve: {stale}"
