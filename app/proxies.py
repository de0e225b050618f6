"""Whose address a request carries behind trusted reverse proxies (load balancers): TRUSTED_PROXIES."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxies(app: Flask) -> None:
    """With N trusted proxies in front, the client is the Nth address from the right of X-Forwarded-For.

    The per-address rate limits count by that address: behind a load balancer without this, every
    resident would share the balancer's address and one quota. With 0 (the default) the header is
    ignored, so a client cannot pick its own address by sending one.
    """
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)  # type: ignore[method-assign]
