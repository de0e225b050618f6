"""The map page in Chromium with fingerprinted, compressed static files: every script, stylesheet and
Leaflet image loads (no 404 in the network log) and is served with the year-long cache header."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Browser, Page, Response, expect

from tests.browser.live_server import DESKTOP, LiveServer

FINGERPRINTED = re.compile(r"/static/[^?]+\?v=[0-9a-f]{16}$")
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Loaded:
    url: str
    status: int
    headers: dict[str, str]


def record(page: Page, log: list[Loaded], failed: list[str]) -> None:
    def on_response(response: Response) -> None:
        log.append(Loaded(response.url, response.status, response.all_headers()))

    page.on("response", on_response)
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))


def static_files(log: list[Loaded], server: LiveServer) -> dict[str, Loaded]:
    """The static files loaded, by path without the fingerprint."""
    prefix = server.url + "/static/"
    return {
        entry.url.removeprefix(server.url).split("?")[0]: entry
        for entry in log
        if entry.url.startswith(prefix)
    }


def test_the_map_page_loads_every_script_style_and_leaflet_image_fingerprinted(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log: list[Loaded] = []
    failed: list[str] = []
    errors: list[str] = []
    record(page, log, failed)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(live_server.url + "/")
        expect(page.locator(".cf-pin, .cf-cluster").first).to_be_visible()
        # The map page shows no default marker and no layer switcher of its own: add one of each, so
        # Leaflet loads the images its stylesheet and its default icon name.
        map_name = page.locator("[data-cf-map]").get_attribute("data-cf-map")
        page.evaluate(
            """name => {
                const map = window[name];
                L.marker(map.getCenter()).addTo(map);
                L.control.layers({"Streets": L.layerGroup()}, {}, {collapsed: true}).addTo(map);
            }""",
            map_name,
        )
        marker = page.locator("img.leaflet-marker-icon")
        expect(marker).to_have_count(1)
        page.wait_for_function("() => document.querySelector('img.leaflet-marker-icon').complete")
        assert page.evaluate("() => document.querySelector('img.leaflet-marker-icon').naturalWidth") == 25
        expect(page.locator(".leaflet-control-layers-toggle")).to_be_visible()
        page.wait_for_load_state("networkidle")
    finally:
        context.close()

    assert not failed, failed
    assert not errors, errors
    assert [(e.url, e.status) for e in log if e.status >= 400] == []
    loaded = static_files(log, live_server)
    for path in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/leaflet.markercluster/MarkerCluster.css",
        "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css",
        "/static/js/commonfix.js",
        "/static/js/map-page.js",
        "/static/css/app.css",
        "/static/vendor/leaflet/images/marker-icon.png",
        "/static/vendor/leaflet/images/marker-shadow.png",
        "/static/vendor/leaflet/images/layers.png",
    ):
        assert path in loaded, f"{path} was not loaded; loaded: {sorted(loaded)}"
    for path, entry in loaded.items():
        assert FINGERPRINTED.search(entry.url), entry.url
        assert entry.status == 200, entry.url
        assert entry.headers["cache-control"] == IMMUTABLE, entry.url
        if path.endswith((".js", ".css")):
            assert entry.headers.get("content-encoding") in ("br", "gzip"), entry.url
        elif path.endswith((".png", ".jpg", ".webp")):  # compressed already
            assert "content-encoding" not in entry.headers, entry.url
        # SVG is text: compressed above the size threshold (the sprite), sent as it is below it (the icon)
