"""The city map at city zoom: the server's clusters, whose numbers add up to the problems in view, and a
tap on one that zooms in to them. Runs against the seeded demo city."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer

CELLS = ".leaflet-marker-icon.cf-cluster--cell"
MAP = "window[document.querySelector('[data-cf-map]').getAttribute('data-cf-map')]"


def map_state(page: Page) -> dict[str, float]:
    """The Leaflet map's zoom and view (folium names the map in a global variable)."""
    state: dict[str, float] = page.evaluate(
        """() => {
            const frame = document.querySelector('[data-cf-map]');
            const map = window[frame.getAttribute('data-cf-map')];
            const b = map.getBounds();
            return {zoom: map.getZoom(), west: b.getWest(), south: b.getSouth(),
                    east: b.getEast(), north: b.getNorth()};
        }"""
    )
    return state


def open_in(server: LiveServer, box: list[float]) -> int:
    """How many open problems lie in `box`, asked of the API as pins."""
    query = urlencode({"bbox": ",".join(f"{n:.7f}" for n in box), "status": "open", "per_page": 500})
    body = api_get(server, f"/api/v1/issues?{query}")
    assert body["has_next"] is False
    return len(body["features"])


def shown_counts(page: Page) -> list[int]:
    return [int(text.replace(",", "")) for text in page.locator(CELLS).all_inner_texts()]


def test_the_city_map_shows_exact_clusters_and_a_tap_zooms_into_one(
    phone: Page, live_server: LiveServer
) -> None:
    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.url) if "/api/v1/issues?" in r.url else None)
    phone.goto(live_server.url + "/")
    frame = phone.locator("[data-cf-map]")
    expect(frame).to_have_attribute("data-mode", "cells")
    expect(phone.locator(CELLS).first).to_be_visible()

    state = map_state(phone)
    assert state["zoom"] <= int(frame.get_attribute("data-cluster-max-zoom") or 0)
    assert "zoom=" in requests[-1]
    # The whole demo city is in view: the clusters' numbers add up to every open problem in view,
    # which is every open problem there is, and the summary says that number without "zoom in".
    everything = api_get(live_server, "/api/v1/issues?status=open&per_page=1")["total"]
    in_view = open_in(live_server, [state["west"], state["south"], state["east"], state["north"]])
    counts = shown_counts(phone)
    assert len(counts) >= 3
    assert sum(counts) == in_view == everything
    assert frame.get_attribute("data-total") == str(everything)
    summary = phone.locator("#map-summary")
    expect(summary).to_have_text(
        f"{everything:,} open problems in the area shown; choose a number to zoom in."
    )
    assert "zoom in to see them all" not in summary.inner_text()

    # Each cluster's number is the count of open problems in its cell.
    for marker in phone.locator(CELLS).all():
        cell = [float(n) for n in (marker.get_attribute("data-cell") or "").split(",")]
        count = int(marker.get_attribute("data-count") or 0)
        assert int(marker.inner_text().replace(",", "")) == count
        assert 0 < count <= open_in(live_server, cell)  # a problem on the cell's far edge is the next cell's

    # Tapping the biggest cluster zooms in to the box holding its problems.
    markers = phone.locator(CELLS).all()
    biggest = max(markers, key=lambda m: int(m.get_attribute("data-count") or 0))
    count = int(biggest.get_attribute("data-count") or 0)
    west, south, east, north = (float(n) for n in (biggest.get_attribute("data-bbox") or "").split(","))
    # The map asks for the new view once the zoom has ended: wait for that answer, then for it to be
    # drawn, before reading the clusters (the old ones stay on the map until then).
    with phone.expect_response(lambda response: "/api/v1/issues?" in response.url):
        biggest.click()
    phone.wait_for_function(f"() => {MAP}.getZoom() > {state['zoom']}")
    expect(frame).not_to_have_attribute("aria-busy", "true")
    zoomed = map_state(phone)
    assert zoomed["zoom"] > state["zoom"]
    assert zoomed["west"] <= west
    assert zoomed["east"] >= east
    assert zoomed["south"] <= south
    assert zoomed["north"] >= north
    # Its problems are all still on the map, now in smaller clusters or as pins.
    if frame.get_attribute("data-mode") == "cells":
        inside = [
            int(m.get_attribute("data-count") or 0)
            for m in phone.locator(CELLS).all()
            if _centre_in(m.get_attribute("data-bbox") or "", (west, south, east, north))
        ]
        assert sum(inside) == count
    else:
        expect(summary).to_have_text(re.compile(r"^\d+ open problems? in view\.$"))
        assert open_in(live_server, [west, south, east, north]) >= count


def _centre_in(bbox: str, box: tuple[float, float, float, float]) -> bool:
    w, s, e, n = (float(v) for v in bbox.split(","))
    return box[0] <= (w + e) / 2 <= box[2] and box[1] <= (s + n) / 2 <= box[3]


def test_a_popup_that_pans_the_map_does_not_reload_the_pins(phone: Page, live_server: LiveServer) -> None:
    phone.goto(live_server.url + "/")
    frame = phone.locator("[data-cf-map]")
    expect(frame).to_have_attribute("data-mode", "cells")
    pin_zoom = int(frame.get_attribute("data-cluster-max-zoom") or 0) + 1
    feature = api_get(live_server, "/api/v1/issues?status=open&per_page=1")["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    phone.evaluate(f"() => {MAP}.setView([{lat}, {lon}], {pin_zoom}, {{animate: false}})")
    expect(frame).to_have_attribute("data-mode", "pins")
    expect(frame).not_to_have_attribute("aria-busy", "true")
    pin = phone.locator(".leaflet-marker-icon.cf-pin").first
    expect(pin).to_be_visible()

    # Bring the pin close under the map's top edge: its popup must pan the map to fit.
    frame_box, pin_box = frame.bounding_box(), pin.bounding_box()
    assert frame_box is not None
    assert pin_box is not None
    dx = pin_box["x"] + pin_box["width"] / 2 - (frame_box["x"] + frame_box["width"] / 2)
    dy = pin_box["y"] + pin_box["height"] / 2 - (frame_box["y"] + 70)
    phone.evaluate(f"() => {MAP}.panBy([{dx}, {dy}], {{animate: false}})")
    phone.wait_for_timeout(600)  # past the 250 ms debounce
    expect(frame).not_to_have_attribute("aria-busy", "true")
    before = phone.evaluate(f"() => {MAP}.getCenter().lat")

    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.url) if "/api/v1/issues" in r.url else None)
    boxes = [b for b in (p.bounding_box() for p in phone.locator(".leaflet-marker-icon.cf-pin").all()) if b]
    box = min(boxes, key=lambda b: abs(b["y"] + b["height"] / 2 - frame_box["y"] - 70))
    assert box["y"] < frame_box["y"] + 120
    phone.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = phone.locator(".cf-popup")
    expect(popup).to_be_visible()
    phone.wait_for_timeout(900)  # the autopan and the debounce after it
    assert phone.evaluate(f"() => {MAP}.getCenter().lat") > before  # the popup panned the map
    expect(popup).to_be_visible()
    assert requests == []
