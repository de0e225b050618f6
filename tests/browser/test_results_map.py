"""The results page's map of funded problems on a phone: a tapped pin opens a popup naming the problem
(a link to its page) and what it got, inside the map and clear of its zoom buttons. Found from outside:
the pins had only a hover tooltip, which on a 390 px phone ran past the map's edges and under the zoom
buttons, cutting the title off."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer
from tests.browser.map_actions import inside, overlap, tap


def funded_round(server: LiveServer) -> tuple[int, list[dict[str, Any]]]:
    """The first demo round whose results fund more than one problem, with what it funds."""
    for found in api_get(server, "/api/v1/rounds")["rounds"]:
        try:
            results = api_get(server, f"/api/v1/rounds/{found['id']}/results")
        except OSError:  # 409: not tallied
            continue
        if len(results["funded"]) > 1:
            return found["id"], results["funded"]
    raise AssertionError("the demo city has a tallied round funding two problems")


def test_a_tapped_funded_pin_opens_a_popup_inside_the_map(phone390: Page, live_server: LiveServer) -> None:
    round_id, funded = funded_round(live_server)
    by_title = {item["title"]: item for item in funded}
    phone390.goto(f"{live_server.url}/rounds/{round_id}/results")
    pins = phone390.locator(".cf-pin--funded")
    expect(pins).to_have_count(len(funded))
    seen = set()
    for i in range(len(funded)):
        pin = pins.nth(i)
        pin.scroll_into_view_if_needed()
        box = pin.bounding_box()
        assert box is not None
        tap(phone390, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        popup = phone390.locator(".leaflet-popup .cf-popup")
        expect(popup).to_be_visible()
        link = popup.locator(".cf-popup__title")
        title = link.inner_text()
        item = by_title[title]
        assert link.get_attribute("href") == f"/issues/{item['issue_id']}"
        amount = popup.locator("p").inner_text()
        assert amount.startswith("Funded with EUR "), amount
        assert pin.get_attribute("aria-label") == f"Funded: {title}, {amount.removeprefix('Funded with ')}"
        phone390.wait_for_timeout(400)  # the popup's pan into view (250 ms)
        assert inside(phone390, ".leaflet-popup-content-wrapper", ".folium-map")
        assert inside(phone390, ".leaflet-popup-close-button", ".folium-map")
        assert not overlap(phone390, ".leaflet-popup-content-wrapper", ".leaflet-control-zoom")
        seen.add(title)
        phone390.locator(".leaflet-popup-close-button").click()
        expect(popup).to_have_count(0)
    assert seen == set(by_title)
