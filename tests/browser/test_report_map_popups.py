"""The report page's map on a 390x844 phone: a problem already reported nearby opens a popup to like it,
and that popup stays open, drawn clear of the zoom buttons and inside the map, wherever its pin is; a tap
beside it closes it without placing the report's pin. Runs against the seeded demo city."""

from __future__ import annotations

import itertools
import math
import time

import pytest
from playwright.sync_api import Locator, Page, expect
from shapely.geometry import Point, shape

from tests.browser.actions import MAP, log_in, show_on_map, wait_for_map
from tests.browser.conftest import api_get
from tests.browser.live_server import DEMO_PASSWORD, DEMO_RESIDENT, LiveServer
from tests.browser.map_actions import inside, overlap
from tests.live_api import api, api_token

# Where the tapped pin sits in the map, as fractions of its width and height: under the zoom buttons'
# row at the top, the middle, and the far left (below the buttons, on a 640 px phone too) and right edges.
PLACES = [(0.5, 0.08), (0.5, 0.5), (0.12, 0.45), (0.9, 0.3)]


# No other problem within this many metres of the tapped one: at zoom 17 (about 1.2 m a pixel on a
# phone) its pin is then alone under the finger, whatever other journeys on this server reported.
ALONE_M = 100


def lone_problem(server: LiveServer) -> dict:
    """The most-liked open problem with no other problem of any status within ALONE_M metres."""
    everyone, page = [], 1
    while True:
        found = api_get(server, f"/api/v1/issues?status=open,fixed,closed&per_page=100&page={page}")[
            "features"
        ]
        everyone += found
        if len(found) < 100:
            break
        page += 1
    ranked = api_get(server, "/api/v1/issues?status=open&sort=rank&per_page=100")["features"]
    for problem in ranked:
        lon, lat = problem["geometry"]["coordinates"]
        others = (
            f["geometry"]["coordinates"]
            for f in everyone
            if f["properties"]["id"] != problem["properties"]["id"]
        )
        if all(metres(lat, lon, olat, olon) > ALONE_M for olon, olat in others):
            return problem
    raise AssertionError(f"no open problem stands {ALONE_M} m from every other one")


def metres(lat: float, lon: float, other_lat: float, other_lon: float) -> float:
    """An equirectangular distance: exact enough within a city."""
    x = math.radians(other_lon - lon) * math.cos(math.radians((lat + other_lat) / 2))
    return 6_371_000 * math.hypot(x, math.radians(other_lat - lat))


def tap_nearby_pin(page: Page, title: str) -> Locator:
    """Tap the report map's pin of the problem already reported under `title`; its popup."""
    pin = page.locator(f'.cf-pin--nearby[title="{title} (already reported)"]')
    expect(pin.first).to_be_visible()
    box = pin.first.bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return page.locator(".leaflet-popup .cf-popup")


@pytest.mark.parametrize("size", ["phone390", "phone"])  # 390x844 and 360x640
@pytest.mark.parametrize(("across", "down"), PLACES)
def test_a_nearby_problems_popup_stays_open_clear_of_the_zoom_buttons(
    request: pytest.FixtureRequest, live_server: LiveServer, size: str, across: float, down: float
) -> None:
    # Found from outside: the popup was as wide as the map, so its title slid under the + and - buttons;
    # and when its pan brought more problems into view, redrawing the pins closed it under the finger.
    # Then, on a 360x640 phone, a popup 236 px wide with 60 px for the zoom buttons was wider than the
    # 332 px map: its right edge and close button were cut off.
    phone390: Page = request.getfixturevalue(size)
    problem = lone_problem(live_server)
    lon, lat = problem["geometry"]["coordinates"]
    log_in(phone390, live_server.url)
    phone390.goto(live_server.url + "/issues/new")
    wait_for_map(phone390)
    phone390.locator("[data-cf-map]").scroll_into_view_if_needed()  # all of it on a 640 px screen
    phone390.evaluate(
        f"""([lat, lon, across, down]) => {{
            const map = {MAP};
            map.setView([lat, lon], 17, {{animate: false}});
            const size = map.getSize();
            map.panBy([size.x / 2 - size.x * across, size.y / 2 - size.y * down], {{animate: false}});
        }}""",
        [lat, lon, across, down],
    )
    popup = tap_nearby_pin(phone390, problem["properties"]["title"])
    expect(popup.locator(".cf-popup__title")).to_have_text(problem["properties"]["title"])
    phone390.wait_for_timeout(2000)  # the popup's pan into view, the debounce, the pins' reload
    expect(popup.locator(".cf-popup__title")).to_have_text(problem["properties"]["title"])

    assert not overlap(phone390, ".leaflet-popup-content-wrapper", ".leaflet-control-zoom")
    assert inside(phone390, ".leaflet-popup-content-wrapper", "[data-cf-map] .leaflet-container")
    assert inside(phone390, ".leaflet-popup-close-button", "[data-cf-map] .leaflet-container")
    expect(popup.get_by_role("button", name="Like")).to_be_visible()


def test_a_nearby_problem_the_resident_likes_offers_unlike(phone390: Page, live_server: LiveServer) -> None:
    """Found from outside: the nearby popup read the map list's liked_by_me, which the list (the same
    answer for everyone) never carries, so a problem the resident liked offered "Like"."""
    problem = lone_problem(live_server)
    issue_id = problem["properties"]["id"]
    lon, lat = problem["geometry"]["coordinates"]
    token = api_token(live_server.url, DEMO_RESIDENT, DEMO_PASSWORD)
    liked = api(live_server.url, "POST", f"/api/v1/issues/{issue_id}/like", token=token)
    try:
        log_in(phone390, live_server.url)
        phone390.goto(live_server.url + "/issues/new")
        wait_for_map(phone390)
        phone390.evaluate(f"([lat, lon]) => {MAP}.setView([lat, lon], 17, {{animate: false}})", [lat, lon])
        popup = tap_nearby_pin(phone390, problem["properties"]["title"])
        expect(popup.get_by_role("button", name="Unlike")).to_be_enabled()
        expect(popup.locator(".cf-popup__meta")).to_contain_text("already reported, and you like it")
        expect(popup.locator("[data-like-count]")).to_have_text(f"{liked['likes']:,}")
    finally:
        api(live_server.url, "DELETE", f"/api/v1/issues/{issue_id}/like", token=token)


# Nothing else within this many metres of the problem the next test reports: at zoom 17 (about 0.75 m
# a pixel here) every tap it makes lands on open ground, whatever other journeys on this server reported.
EMPTY_M = 250


def empty_spot(server: LiveServer) -> tuple[float, float]:
    """A point inside a neighbourhood with no problem of any status within EMPTY_M metres."""
    everyone, page = [], 1
    while True:
        found = api_get(server, f"/api/v1/issues?status=open,fixed,closed&per_page=100&page={page}")[
            "features"
        ]
        everyone += [f["geometry"]["coordinates"] for f in found]
        if len(found) < 100:
            break
        page += 1
    for area in api_get(server, "/api/v1/areas")["features"]:
        outline = shape(area["geometry"])
        west, south, east, north = outline.bounds
        steps = 40
        for i, j in itertools.product(range(1, steps), repeat=2):
            lon, lat = west + (east - west) * i / steps, south + (north - south) * j / steps
            if outline.contains(Point(lon, lat)) and all(
                metres(lat, lon, olat, olon) > EMPTY_M for olon, olat in everyone
            ):
                return round(lat, 6), round(lon, 6)
    raise AssertionError(f"no spot in the city is {EMPTY_M} m from every problem")


def reported_alone(phone: Page, server: LiveServer, title: str, description: str) -> None:
    """A problem reported through the API at a spot with no other, and the report page opened there
    for the demo resident."""
    lat, lon = empty_spot(server)
    token = api_token(server.url, DEMO_RESIDENT, DEMO_PASSWORD)
    category = api_get(server, "/api/v1/categories")[0]["code"]
    report = {"lat": lat, "lon": lon, "category": category, "title": title, "description": description}
    api(server.url, "POST", "/api/v1/issues", report, token)
    log_in(phone, server.url)
    phone.goto(server.url + "/issues/new")
    show_on_map(phone, lat, lon)


def test_a_tap_beside_an_open_popup_closes_it_and_the_next_tap_places_the_pin(
    phone390: Page, live_server: LiveServer
) -> None:
    # Found from outside: with a nearby problem's popup open, one tap on the map both closed the popup
    # and placed the report's pin there, where Leaflet's users expect that tap only to close the popup.
    title = f"Bench with a broken slat {time.time_ns()}"
    reported_alone(phone390, live_server, title, "Loose slat.")
    pin = phone390.locator(f'.cf-pin--nearby[title="{title} (already reported)"]')
    expect(pin).to_be_visible()
    box = pin.bounding_box()
    assert box is not None
    phone390.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = phone390.locator(".leaflet-popup")
    expect(popup.locator(".cf-popup__title")).to_have_text(title)
    phone390.wait_for_timeout(1000)  # the popup's pan into view

    # Open ground below the pin (the popup is above it), inside the map.
    box = pin.bounding_box()
    frame = phone390.locator("[data-cf-map] .leaflet-container").bounding_box()
    assert box is not None
    assert frame is not None
    x, y = box["x"] + box["width"] / 2, min(box["y"] + box["height"] + 90, frame["y"] + frame["height"] - 30)
    assert y > box["y"] + box["height"] + 40, "no open ground below the pin"
    phone390.touchscreen.tap(x, y)
    expect(popup).to_have_count(0)
    phone390.wait_for_timeout(500)  # a pin would be placed by now
    expect(phone390.locator("[data-report-pin]")).to_have_count(0)
    assert phone390.locator("[data-cf-map]").get_attribute("data-pin") is None
    expect(phone390.locator("#lat")).to_have_value("")

    phone390.touchscreen.tap(x, y)
    expect(phone390.locator("[data-report-pin]")).to_have_count(1)
    expect(phone390.locator("#place-status")).to_contain_text("Pin placed")
    expect(phone390.locator("#lat")).not_to_have_value("")


def test_a_hebrew_title_reads_right_to_left_in_its_popup(phone390: Page, live_server: LiveServer) -> None:
    """Found from outside: residents' Hebrew and Arabic titles were shown left to right."""
    title = f"ספסל שבור {time.time_ns()}"  # "A broken bench", then digits, which take no direction
    reported_alone(phone390, live_server, title, "שבור.")
    popup = tap_nearby_pin(phone390, title)
    link = popup.locator(".cf-popup__title")
    expect(link).to_have_text(title)
    expect(link).to_have_attribute("dir", "auto")
    assert link.evaluate("(node) => getComputedStyle(node).direction") == "rtl"
