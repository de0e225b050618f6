"""The results page's map of funded problems on a phone: a tapped pin opens a popup naming the problem
(a link to its page) and what it got, inside the map and clear of its zoom buttons. Found from outside:
the pins had only a hover tooltip, which on a 390 px phone ran past the map's edges and under the zoom
buttons, cutting the title off."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer
from tests.browser.map_actions import centre_of, inside, overlap, tap


def funded_round(server: LiveServer) -> tuple[int, list[dict[str, Any]]]:
    """The first round on the server whose results fund more than one problem, with what it funds."""
    for found in api_get(server, "/api/v1/rounds")["rounds"]:
        try:
            results = api_get(server, f"/api/v1/rounds/{found['id']}/results")
        except OSError:  # 409: not tallied
            continue
        if len(results["funded"]) > 1:
            return found["id"], results["funded"]
    raise AssertionError("the demo city has a tallied round funding two problems")


def on_top(page: Page, pin: Locator) -> tuple[float, float] | None:
    """The pin's centre on screen if a tap there lands on this pin (not another pin over it, not
    outside the map's view), else None."""
    point = centre_of(pin)
    if point is None:
        return None
    x, y = point
    hit: bool = pin.evaluate(
        "(pin, [x, y]) => document.elementFromPoint(x, y)?.closest('.leaflet-marker-icon') === pin", [x, y]
    )
    return (x, y) if hit else None


def test_a_tapped_funded_pin_opens_a_popup_inside_the_map(phone390: Page, live_server: LiveServer) -> None:
    round_id, funded = funded_round(live_server)
    by_title = {item["title"]: item for item in funded}
    taps = 0
    for i in range(len(funded)):
        # Each pin from the page as it opens (a popup's pan may take the next pin out of view), the map
        # in the middle of the screen (clear of the sticky header).
        phone390.goto(f"{live_server.url}/rounds/{round_id}/results")
        pins = phone390.locator(".cf-pin--funded")
        expect(pins).to_have_count(len(funded))
        phone390.locator(".folium-map").evaluate("(map) => map.scrollIntoView({block: 'center'})")
        pin = pins.nth(i)
        label = pin.get_attribute("aria-label") or ""
        point = on_top(phone390, pin)
        if point is not None:
            tap(phone390, *point)
            taps += 1
        else:  # under another pin: Enter on the focused pin opens its popup too
            pin.focus()
            phone390.keyboard.press("Enter")
        popup = phone390.locator(".leaflet-popup .cf-popup")
        expect(popup).to_be_visible()
        link = popup.locator(".cf-popup__title")
        title = link.inner_text()
        assert link.get_attribute("href") == f"/issues/{by_title[title]['issue_id']}"
        amount = popup.locator("p").inner_text()
        assert amount.startswith("Funded with EUR "), amount
        assert label == f"Funded: {title}, {amount.removeprefix('Funded with ')}"  # this pin's popup
        phone390.wait_for_timeout(400)  # the popup's pan into view (250 ms)
        assert inside(phone390, ".leaflet-popup-content-wrapper", ".folium-map")
        assert inside(phone390, ".leaflet-popup-close-button", ".folium-map")
        assert not overlap(phone390, ".leaflet-popup-content-wrapper", ".leaflet-control-zoom")
    assert taps >= 1
