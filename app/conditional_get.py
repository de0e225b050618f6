"""Conditional GET for the public documents other programs poll (the Atom feeds, Open311's lists)."""

from __future__ import annotations

from flask import Response, request


def revalidated(response: Response) -> Response:
    """`response` with a strong ETag of its body; 304 without a body when the client's If-None-Match
    names it. A Last-Modified would not do: hiding an issue or editing a title changes a document
    without changing any time in it."""
    response.add_etag()
    response.make_conditional(request)  # turns the response itself into the 304
    return response
