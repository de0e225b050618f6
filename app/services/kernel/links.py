"""Absolute links for mail: the request's host inside a request, PUBLIC_URL outside one."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL: the request's host inside a request, the configured PUBLIC_URL outside one."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    # A background tally, the worker or a CLI command has no request: a request context on
    # PUBLIC_URL gives url_for its scheme, host and any path prefix the site is served under.
    base = current_app.config["PUBLIC_URL"]
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)
