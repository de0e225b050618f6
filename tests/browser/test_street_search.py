"""Finding the spot by street, at phone size: search "Willow" and the map flies to Willow Drive; report at
street zoom with the problems already reported nearby on the map; the problem page names the street."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import MAP, log_in, show_on_map, tap_map_at, wait_for_map
from tests.browser.conftest import api_get
from tests.browser.live_server import ARTIFACTS, DESKTOP, LiveServer, flask_command

WILLOW = (3.703113, 51.01698, 3.73865, 51.017516)  # demo_streets.geojson


def map_view(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            f"() => {{ const m = {MAP}; const c = m.getCenter();"
            " return {lat: c.lat, lon: c.lng, zoom: m.getZoom()}; }"
        )
    )


def search_and_choose(page: Page, box_label: str = "Find a street or place") -> None:
    box = page.get_by_role("combobox", name=box_label)
    box.fill("Willow")
    option = page.get_by_role("option", name=re.compile("Willow Drive, Station Quarter"))
    expect(option).to_be_visible()
    box.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(page.get_by_role("listbox")).to_be_hidden()


def wait_until_over_willow(page: Page, min_zoom: int = 13) -> dict[str, Any]:
    page.wait_for_function(
        f"() => {{ const c = {MAP}.getCenter(); return c.lng > {WILLOW[0]} && c.lng < {WILLOW[2]}"
        f" && Math.abs(c.lat - {(WILLOW[1] + WILLOW[3]) / 2}) < 0.002 && {MAP}.getZoom() >= {min_zoom}; }}"
    )
    return map_view(page)


def test_search_willow_and_the_map_flies_to_willow_drive(phone390: Page, live_server: LiveServer) -> None:
    phone390.goto(live_server.url + "/")
    wait_for_map(phone390)
    before = map_view(phone390)

    search_and_choose(phone390)

    after = wait_until_over_willow(phone390)
    assert after["zoom"] > before["zoom"]
    expect(phone390.locator("[data-place-status]").first).to_have_text(
        "Map moved to Willow Drive, Station Quarter."
    )
    ARTIFACTS.mkdir(exist_ok=True)
    phone390.wait_for_timeout(900)
    phone390.screenshot(path=str(ARTIFACTS / "streets-map-phone-willow.png"))


def test_escape_closes_the_list_and_a_bad_search_says_so(phone390: Page, live_server: LiveServer) -> None:
    phone390.goto(live_server.url + "/")
    box = phone390.get_by_role("combobox", name="Find a street or place")
    box.fill("zzzz")
    expect(phone390.locator("[data-place-status]").first).to_have_text("No street or place of that name.")
    box.fill("eglise")
    expect(phone390.get_by_role("option", name=re.compile("Place de l'Église, Old Town"))).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("Escape")
    expect(box).to_have_value("")


def test_a_place_name_with_markup_is_shown_as_text_on_the_map(
    phone390: Page, live_server: LiveServer, tmp_path: Path
) -> None:
    # Street and landmark names come from imported map data (OpenStreetMap: anyone may edit a name).
    name = 'Zebra <img src=x onerror="window.placeNameRan=1"> Statue'
    landmark = {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Point", "coordinates": [3.7205, 51.0175]},
    }
    geojson = tmp_path / "landmark.geojson"
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": [landmark]}), encoding="utf-8")
    flask_command(live_server.env, "import-streets", str(geojson))

    phone390.goto(live_server.url + "/")
    wait_for_map(phone390)
    phone390.get_by_role("combobox", name="Find a street or place").fill("Zebra")
    phone390.get_by_role("option", name=re.compile("Zebra")).click()
    marker = phone390.locator(".place-search__marker")
    expect(marker).to_have_text(name)
    expect(marker.locator("img")).to_have_count(0)
    assert phone390.evaluate("window.placeNameRan") is None


def open_issue_near_willow(server: LiveServer) -> dict[str, Any]:
    bbox = f"{WILLOW[0]},{WILLOW[1] - 0.002},{WILLOW[2]},{WILLOW[3] + 0.002}"
    found = api_get(server, f"/api/v1/issues?bbox={bbox}&status=open")["features"]
    assert found, "the demo city has open problems near Willow Drive"
    return dict(found[0])


def test_report_at_street_zoom_with_nearby_pins_and_the_page_names_the_street(
    phone390: Page, live_server: LiveServer
) -> None:
    log_in(phone390, live_server.url)
    phone390.goto(live_server.url + "/issues/new")
    wait_for_map(phone390)
    search_and_choose(phone390)
    wait_until_over_willow(phone390, min_zoom=17)  # the report map shows the street at street zoom

    near = open_issue_near_willow(live_server)
    lon, lat = near["geometry"]["coordinates"]
    show_on_map(phone390, lat, lon, zoom=17)
    frame = phone390.locator("#place [data-cf-map]")
    expect(frame).to_have_attribute("data-nearby-pins", re.compile(r"^[1-9]\d*$"))
    expect(phone390.locator(".cf-pin--nearby").first).to_be_visible()

    tap_map_at(phone390, lat - 0.0003, lon)  # ~33 m south of the reported problem
    expect(phone390.locator("#place-status")).to_contain_text("Pin placed")
    placed = float(phone390.locator("#lat").input_value())

    pin = phone390.locator("[data-report-pin]")
    pin.focus()
    pin.press("ArrowUp")
    expect(phone390.locator("#place-status")).to_contain_text("Pin moved")
    assert float(phone390.locator("#lat").input_value()) > placed

    assert serious_violations(phone390) == []
    phone390.screenshot(path=str(ARTIFACTS / "streets-report-phone.png"))

    phone390.get_by_label("Category").select_option("pothole")
    phone390.get_by_label("Title").fill("Pothole found by street search")
    phone390.get_by_label("Description").fill("Deep hole a few metres from the kerb.")
    # Found from outside: a double tap on the button sent the report twice. It is sent once.
    # The second tap 20 ms after the first, while the first request is on its way.
    phone390.get_by_role("button", name="Submit report").evaluate(
        "button => { button.click(); setTimeout(() => button.click(), 20); }"
    )
    expect(phone390).to_have_url(re.compile(r"/issues/\d+$"))
    mine = api_get(live_server, "/api/v1/issues?sort=new&per_page=5")["features"]
    assert [f["properties"]["title"] for f in mine].count("Pothole found by street search") == 1

    place = phone390.locator("[data-place]")
    expect(place).to_have_text(re.compile(r"^(Near \d+ |On )[A-Z].+, [A-Z][a-z]+"))
    expect(phone390.locator(".issue__coords")).to_have_count(0)
    phone390.screenshot(path=str(ARTIFACTS / "streets-problem-phone.png"), full_page=True)


def test_tapping_a_nearby_pin_offers_a_like_instead(phone390: Page, live_server: LiveServer) -> None:
    log_in(phone390, live_server.url)
    phone390.goto(live_server.url + "/issues/new")
    near = open_issue_near_willow(live_server)
    lon, lat = near["geometry"]["coordinates"]
    show_on_map(phone390, lat, lon, zoom=17)
    pin = phone390.locator(".cf-pin--nearby").first
    expect(pin).to_be_visible()
    pin.click()

    popup = phone390.locator(".leaflet-popup .cf-popup")
    expect(popup).to_contain_text("already reported")
    expect(popup.get_by_role("button", name=re.compile("^(Like|Unlike)"))).to_be_visible()
    expect(phone390.locator("#lat")).to_have_value("")  # tapping a pin placed nothing


def test_laptop_screenshots_of_search_and_report(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_context(**{**DESKTOP, "viewport": {"width": 1366, "height": 900}}).new_page()
    try:
        page.goto(live_server.url + "/")
        wait_for_map(page)
        search_and_choose(page)
        wait_until_over_willow(page)
        page.wait_for_timeout(900)
        page.screenshot(path=str(ARTIFACTS / "streets-map-laptop-willow.png"))
        log_in(page, live_server.url)
        page.goto(live_server.url + "/issues/new")
        wait_for_map(page)
        page.get_by_role("combobox", name="Find a street or place").fill("Willow")
        expect(page.get_by_role("option").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "streets-report-laptop-search.png"))
        assert serious_violations(page) == []
    finally:
        page.context.close()
