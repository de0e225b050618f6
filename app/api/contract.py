"""The API contract: operations declared on the views, and the OpenAPI 3.1 document built from them.

Each /api/v1 view carries an `Operation` (set by the `@operation(...)` decorator) naming its pydantic
request and response models. `build_document` walks the app's URL map, so a route and its description
cannot part: the path, its parameters and the method come from the route itself, the shapes from the
models (pydantic's JSON Schema 2020-12, which is OpenAPI 3.1's dialect).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from werkzeug.routing import IntegerConverter, Rule

from app.api.models.common import Error

API_PREFIX = "/api/v1"
JSON = "application/json"
GEOJSON = "application/geo+json"
REF = "#/components/schemas/{model}"
MAX_ID = 2**63 - 1
AUTH: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": []}]

ERROR_STATUSES = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Not allowed for this account",
    404: "Not found",
    409: "Conflict with the current state",
    410: "Gone: the link expired or was used already",
    413: "Upload too large",
    422: "Invalid input (the field and the reason are given)",
    429: "Rate limited (see the Retry-After header)",
    503: (
        "The database is out of reach for the moment (`database_unavailable`), or its schema is older than "
        "this version (`database_not_migrated`); nothing was saved (see the Retry-After header)"
    ),
}

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reply:
    """One documented success response: its model (None: no body described), media type, headers."""

    description: str
    model: type[BaseModel] | None = None
    media: str = JSON
    schema: dict[str, Any] | None = None  # a non-JSON body (CSV, .pb text) described directly
    headers: dict[str, str] = field(default_factory=dict)  # name -> description


# A read answered with a strong ETag of its body (app/conditional_get.revalidated): a harvester or a
# map sends it back as If-None-Match and gets a 304 without a body while nothing changed.
ETAG = {"ETag": "a strong validator of this body: send it back as If-None-Match to get a 304 while it holds"}
NOT_MODIFIED = Reply("Not modified: If-None-Match named this answer's ETag (no body)")


@dataclass(frozen=True)
class Operation:
    """What a view promises: its summary, inputs (models), success replies and error statuses."""

    operation_id: str
    summary: str
    replies: dict[int, Reply]
    errors: tuple[int, ...] = ()
    description: str | None = None
    body: dict[str, type[BaseModel]] | None = None  # media type -> model
    body_required: bool = True
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    secured: bool = False


def operation(**spec: Any) -> Callable[[View], View]:
    """Declare the view's contract; put it right under the route decorator."""
    described = Operation(**spec)

    def attach(view: View) -> View:
        view.__api_operation__ = described  # type: ignore[attr-defined]
        return view

    return attach


def api_routes(app: Flask) -> Iterable[tuple[str, str, Rule, Operation | None]]:
    """(OpenAPI path, method, rule, the view's Operation or None) for every /api/v1 route."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule.removeprefix(API_PREFIX))
        described = getattr(app.view_functions[rule.endpoint], "__api_operation__", None)
        for method in sorted(rule.methods or ()):
            if method not in {"HEAD", "OPTIONS"}:
                yield path, method.lower(), rule, described


def _path_parameters(rule: Rule) -> list[dict[str, Any]]:
    found = []
    for name, converter in rule._converters.items():  # werkzeug keeps a rule's converters only here
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(converter, IntegerConverter):
            # werkzeug's int converter takes ASCII digits only; ids are 64-bit database keys
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_ID, "examples": [1]}
        found.append({"name": name, "in": "path", "required": True, "schema": schema})
    return found


def _model_parameters(model: type[BaseModel], where: str) -> list[dict[str, Any]]:
    """Query or header parameters, one per field of `model` (named by alias where it has one)."""
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    found = []
    for name, prop in schema["properties"].items():
        parameter: dict[str, Any] = {"name": name, "in": where, "required": name in required}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        prop.pop("title", None)
        parameter["schema"] = prop
        found.append(parameter)
    return found


def _content(media: str, model: type[BaseModel] | None, schema: dict[str, Any] | None) -> dict[str, Any]:
    if model is not None:
        return {media: {"schema": {"$ref": REF.format(model=model.__name__)}}}
    if schema is not None:
        return {media: {"schema": schema}}
    return {}


def _operation_object(method: str, path_parameters: list[dict[str, Any]], spec: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, reply in sorted(spec.replies.items()):
        response: dict[str, Any] = {"description": reply.description}
        content = _content(reply.media, reply.model, reply.schema)
        if content:
            response["content"] = content
        if reply.headers:
            response["headers"] = {
                name: {"description": text, "schema": {"type": "string"}}
                for name, text in reply.headers.items()
            }
        responses[str(status)] = response
    errors = set(spec.errors)
    if 503 not in spec.replies:  # the readiness check describes its own 503
        errors.add(503)  # any route may find the database out of reach (app/errors.py)
    if method != "get":
        errors.add(400)  # a login-cookie write without its CSRF token (app.api's before_request guard)
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    parameters = list(path_parameters)
    if spec.query is not None:
        parameters += _model_parameters(spec.query, "query")
    if spec.headers is not None:
        parameters += _model_parameters(spec.headers, "header")
    built: dict[str, Any] = {"operationId": spec.operation_id, "summary": spec.summary}
    if spec.description:
        built["description"] = spec.description
    if parameters:
        built["parameters"] = parameters
    if spec.body:
        built["requestBody"] = {
            "required": spec.body_required,
            "content": {
                media: {"schema": {"$ref": REF.format(model=m.__name__)}} for media, m in spec.body.items()
            },
        }
    if spec.secured:
        built["security"] = AUTH
    built["responses"] = responses
    return built


def _models(operations: Iterable[Operation]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {Error.__name__: Error}
    for spec in operations:
        for model in [*(spec.body or {}).values(), *(r.model for r in spec.replies.values())]:
            if model is not None and found.setdefault(model.__name__, model) is not model:
                raise ValueError(f"two API models are named {model.__name__}")
    return list(found.values())


def build_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every documented /api/v1 route of `app`."""
    paths: dict[str, dict[str, Any]] = {}
    described: list[Operation] = []
    for path, method, rule, spec in api_routes(app):
        if spec is None:
            continue  # undocumented routes are listed by undocumented_routes (a test fails on them)
        described.append(spec)
        paths.setdefault(path, {})[method] = _operation_object(method, _path_parameters(rule), spec)
    _, schemas = models_json_schema([(m, "validation") for m in _models(described)], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Commonfix API",
            "version": "1.0.0",
            "summary": "Report civic problems, like them to set priorities, fund the fixes.",
            "description": (
                "Places are GeoJSON (RFC 7946, lon/lat, EPSG:4326). Errors are "
                '`{"error": {"code", "message", "field"}}`. Authenticate with a bearer token from '
                "`POST /api/v1/tokens`; browsers using the login cookie send `X-CSRFToken` on writes. "
                "Money is integer cents."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": API_PREFIX}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schemas.get("$defs", {}),
            "responses": {
                str(status): {
                    "description": text,
                    "content": {JSON: {"schema": {"$ref": REF.format(model=Error.__name__)}}},
                }
                for status, text in ERROR_STATUSES.items()
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Token from POST /tokens"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }


def undocumented_routes(app: Flask) -> list[tuple[str, str]]:
    return sorted((path, method) for path, method, _rule, spec in api_routes(app) if spec is None)
