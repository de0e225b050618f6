"""The report page's map on a 390x844 phone: a problem already reported nearby opens a popup to like it,
and that popup stays open, drawn clear of the zoom buttons and inside the map, wherever its pin is.
Runs against the seeded demo city."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.actions import MAP, log_in, wait_for_map
from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer

# Where the tapped pin sits in the map, as fractions of its width and height: under the zoom buttons'
# row at the top, the middle, and the far left and right edges.
PLACES = [(0.5, 0.08), (0.5, 0.5), (0.12, 0.3), (0.9, 0.3)]


def overlap(page: Page, one: str, other: str) -> bool:
    found: bool = page.evaluate(
        """([one, other]) => {
            const a = document.querySelector(one).getBoundingClientRect();
            const b = document.querySelector(other).getBoundingClientRect();
            return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        }""",
        [one, other],
    )
    return found


def inside(page: Page, one: str, frame: str) -> bool:
    found: bool = page.evaluate(
        """([one, frame]) => {
            const a = document.querySelector(one).getBoundingClientRect();
            const f = document.querySelector(frame).getBoundingClientRect();
            return a.left >= f.left && a.right <= f.right && a.top >= f.top && a.bottom <= f.bottom;
        }""",
        [one, frame],
    )
    return found


@pytest.mark.parametrize(("across", "down"), PLACES)
def test_a_nearby_problems_popup_stays_open_clear_of_the_zoom_buttons(
    phone390: Page, live_server: LiveServer, across: float, down: float
) -> None:
    # Found from outside: the popup was as wide as the map, so its title slid under the + and - buttons;
    # and when its pan brought more problems into view, redrawing the pins closed it under the finger.
    problem = api_get(live_server, "/api/v1/issues?status=open&sort=rank&per_page=1")["features"][0]
    lon, lat = problem["geometry"]["coordinates"]
    log_in(phone390, live_server.url)
    phone390.goto(live_server.url + "/issues/new")
    wait_for_map(phone390)
    phone390.evaluate(
        f"""([lat, lon, across, down]) => {{
            const map = {MAP};
            map.setView([lat, lon], 17, {{animate: false}});
            const size = map.getSize();
            map.panBy([size.x / 2 - size.x * across, size.y / 2 - size.y * down], {{animate: false}});
        }}""",
        [lat, lon, across, down],
    )
    pin = phone390.locator(f'.cf-pin--nearby[title="{problem["properties"]["title"]} (already reported)"]')
    expect(pin.first).to_be_visible()
    box = pin.first.bounding_box()
    assert box is not None
    phone390.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = phone390.locator(".leaflet-popup .cf-popup")
    expect(popup.locator(".cf-popup__title")).to_have_text(problem["properties"]["title"])
    phone390.wait_for_timeout(2000)  # the popup's pan into view, the debounce, the pins' reload
    expect(popup.locator(".cf-popup__title")).to_have_text(problem["properties"]["title"])

    assert not overlap(phone390, ".leaflet-popup-content-wrapper", ".leaflet-control-zoom")
    assert inside(phone390, ".leaflet-popup-content-wrapper", "[data-cf-map] .leaflet-container")
    expect(popup.get_by_role("button", name="Like")).to_be_visible()
