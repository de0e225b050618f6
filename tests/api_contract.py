"""The contract check for tests: every /api/v1 response a test client gets must match the OpenAPI document.

`ContractClient` is the test client class of every app the tests build (conftest sets it), so a handler
whose output drifts from its pydantic models fails whichever test calls it, not only a schema test.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from functools import cached_property
from typing import Any

import brotli
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

from app.api.contract import API_PREFIX, build_document

DOCUMENT_URI = "urn:commonfix:openapi"
JSON_MEDIA = ("application/json", "application/geo+json")


# Every time the API writes goes out in one form, RFC 3339 in UTC to the second (DESIGN, "JSON
# responses"): a client with a strict parser (Swift's ISO8601DateFormatter without fractional seconds,
# say) must read every `date-time` field as it reads the others.
API_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
TIME_FORMAT = FormatChecker(formats=())


@TIME_FORMAT.checks("date-time")
def _api_time(value: object) -> bool:
    return not isinstance(value, str) or API_TIME.match(value) is not None


class ContractViolation(AssertionError):
    """An /api/v1 response its operation in the OpenAPI document does not allow."""


def _pointer(*parts: str) -> str:
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


class ContractChecker:
    """Checks responses against one OpenAPI document: status code, media type and body schema (with
    every `date-time` in the API's one form)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(DOCUMENT_URI, resource)
        # Literal paths first, so /issues/suggestions is not read as /issues/{issue_id}.
        templated: list[str] = sorted(document["paths"], key=lambda p: (p.count("{"), p))
        self.paths: list[tuple[re.Pattern[str], str]] = [
            (re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(p)) + "$"), p) for p in templated
        ]

    def operation_path(self, path: str, method: str) -> str | None:
        for pattern, template in self.paths:
            if pattern.match(path) and method in self.document["paths"][template]:
                return template
        return None

    def check(self, method: str, path: str, status: int, content_type: str, body: Callable[[], Any]) -> None:
        """Raise ContractViolation if the response breaks the contract; `body()` reads the JSON body.
        Paths or methods the API does not serve are routing's 404/405: not checked."""
        if not path.startswith(API_PREFIX + "/"):
            return
        method = method.lower()
        template = self.operation_path(path.removeprefix(API_PREFIX), method)
        if template is None:
            return
        where = f"{method.upper()} {path} -> {status}"
        responses = self.document["paths"][template][method]["responses"]
        location = ("paths", template, method, "responses", str(status))
        response = responses.get(str(status))
        if response is None:
            raise ContractViolation(f"{where}: status not documented (documented: {sorted(responses)})")
        if "$ref" in response:
            location = tuple(response["$ref"].removeprefix("#/").split("/"))
            response = self.document["components"]["responses"][location[-1]]
        content = response.get("content")
        if not content:
            return
        media = content_type.split(";")[0].strip()
        if media not in content:
            raise ContractViolation(f"{where}: content type {media!r}, documented {sorted(content)}")
        schema = content[media]["schema"]
        if media not in JSON_MEDIA or "$ref" not in schema:
            return  # files (CSV, .pb, streamed GeoJSON exports) stay unread, so tests still see them stream
        schema_ref = DOCUMENT_URI + "#" + _pointer(*location, "content", media, "schema")
        validator = Draft202012Validator(
            {"$ref": schema_ref}, registry=self.registry, format_checker=TIME_FORMAT
        )
        error = best_match(validator.iter_errors(body()))
        if error is not None:
            at = "/".join(str(p) for p in error.absolute_path) or "(the body)"
            raise ContractViolation(f"{where}: {at}: {error.message}")


def checker_for(app: Flask) -> ContractChecker:
    checker: ContractChecker | None = app.extensions.get("contract_checker")
    if checker is None:
        checker = app.extensions["contract_checker"] = ContractChecker(build_document(app))
    return checker


def json_body(response: TestResponse) -> Any:
    """The response's JSON, decoded first when it was sent compressed (brotli or gzip)."""
    encoding = response.headers.get("Content-Encoding")
    if encoding not in ("br", "gzip"):
        return response.get_json(silent=True)
    data = brotli.decompress(response.data) if encoding == "br" else gzip.decompress(response.data)
    try:
        return json.loads(data)
    except ValueError:
        return None


class ContractClient(FlaskClient):
    """A test client that checks each /api/v1 response against the generated OpenAPI document."""

    @cached_property
    def checker(self) -> ContractChecker:
        return checker_for(self.application)

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith(API_PREFIX + "/"):
            self.checker.check(
                request.method,
                request.path,
                response.status_code,
                response.content_type or "",
                lambda: json_body(response),
            )
        return response
