"""GeoReport v2 wire formats: the same records as JSON arrays or as XML documents.

Lists of records (services, requests, errors) are a JSON array or `<root><item>...</item></root>`;
a single document (discovery, a service definition) is a JSON object or `<root>fields</root>`. A list
field is an element holding one element per item, named in the singular (`endpoints/endpoint`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, jsonify

from app.feeds.atom import NOT_XML

FORMATS = ("json", "xml")


def _xml_value(parent: Element, key: str, value: Any) -> None:
    child = SubElement(parent, key)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            _xml_value(child, key.rstrip("s") or "item", item)
    elif isinstance(value, Mapping):
        _xml_fields(child, value)
    elif value is not None:
        # A character XML cannot carry, even escaped, would make the whole list unreadable.
        child.text = NOT_XML.sub("", str(value))


def _xml_fields(node: Element, record: Mapping[str, Any]) -> None:
    for key, value in record.items():
        _xml_value(node, key, value)


def _xml_response(document: Element, status: int) -> Response:
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
        document, encoding="utf-8", xml_declaration=False
    )
    response = Response(body, mimetype="text/xml")  # a text/ mimetype gets "; charset=utf-8"
    response.status_code = status
    return response


def render(
    records: Sequence[Mapping[str, Any]], root: str, item: str, fmt: str, status: int = 200
) -> Response:
    """A list of records as a JSON array or as `<root><item>...</item></root>` XML."""
    if fmt == "json":
        response = jsonify(list(records))
        response.status_code = status
        return response
    document = Element(root)
    for record in records:
        _xml_fields(SubElement(document, item), record)
    return _xml_response(document, status)


def render_one(record: Mapping[str, Any], root: str, fmt: str) -> Response:
    """One document (discovery, a service definition) as a JSON object or as `<root>fields</root>` XML."""
    if fmt == "json":
        return jsonify(dict(record))
    document = Element(root)
    _xml_fields(document, record)
    return _xml_response(document, 200)


def render_errors(status: int, description: str, fmt: str) -> Response:
    return render([{"code": status, "description": description}], "errors", "error", fmt, status)
