"""GeoReport v2 wire formats: the same records as JSON arrays or as XML documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, jsonify

FORMATS = ("json", "xml")


def _xml_value(parent: Element, key: str, value: Any) -> None:
    child = SubElement(parent, key)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif isinstance(value, list):
        for item in value:
            _xml_value(child, key.rstrip("s") or "item", item)
    elif value is not None:
        child.text = str(value)


def render(
    records: Sequence[Mapping[str, Any]], root: str, item: str, fmt: str, status: int = 200
) -> Response:
    """A list of records as a JSON array or as `<root><item>...</item></root>` XML."""
    if fmt == "json":
        response = jsonify(list(records))
    else:
        document = Element(root)
        for record in records:
            node = SubElement(document, item)
            for key, value in record.items():
                _xml_value(node, key, value)
        body = b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
            document, encoding="utf-8", xml_declaration=False
        )
        response = Response(body, mimetype="text/xml")  # a text/ mimetype gets "; charset=utf-8"
    response.status_code = status
    return response


def render_errors(status: int, description: str, fmt: str) -> Response:
    return render([{"code": status, "description": description}], "errors", "error", fmt, status)
