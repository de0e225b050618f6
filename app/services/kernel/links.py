"""Absolute links for mail, always on the configured PUBLIC_URL.

Never the request's own host: the Host header is the client's to choose, and a password-reset
request sent with `Host: attacker.example` would otherwise mail the victim a working reset token on
the attacker's site.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on PUBLIC_URL (its scheme, host and any path prefix the site is served under)."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
