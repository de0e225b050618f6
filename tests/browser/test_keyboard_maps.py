"""The maps and their controls with a keyboard alone, at laptop size (found from outside): Enter on the
report map puts the pin under its cross, which a key shows and a tap or a click does not; Enter on a
group of problems zooms into it; a pin's popup takes the focus and Escape closes it, back on the pin; a
like keeps the focus on its button; Escape folds the phone menu."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import MAP, log_in, wait_for_map
from tests.browser.live_server import ARTIFACTS, LAPTOP, LiveServer
from tests.browser.map_actions import CLUSTERS, PINS, settle
from tests.browser.test_street_search import open_issue_near_willow, search_and_choose, wait_until_over_willow

FOCUSED_CLASSES = "() => document.activeElement ? document.activeElement.className : ''"


@pytest.fixture
def laptop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def zoom(page: Page) -> int:
    return int(page.evaluate(f"() => {MAP}.getZoom()"))


def test_enter_on_the_report_map_puts_the_pin_under_the_cross(laptop: Page, live_server: LiveServer) -> None:
    page = laptop
    log_in(page, live_server.url)
    page.goto(live_server.url + "/issues/new")
    wait_for_map(page)
    expect(page.locator("#place-hint")).to_contain_text("press Enter to put the pin under the cross")

    map_box = page.locator("#place .leaflet-container")
    map_box.focus()
    if zoom(page) < 16:  # at city zoom Enter zooms in first, as a tap does
        page.keyboard.press("Enter")
        expect(page.locator("#place-status")).to_contain_text("Zoomed in: move the map with the arrow keys")
        assert zoom(page) == 17
    search_and_choose(page)  # the street, from the keyboard, then back to the map
    wait_until_over_willow(page, min_zoom=17)
    map_box.focus()
    page.keyboard.press("ArrowLeft")  # Leaflet pans the focused map
    page.wait_for_timeout(400)
    centre = page.evaluate(f"() => {{ const c = {MAP}.getCenter(); return [c.lat, c.lng]; }}")
    page.screenshot(path=str(ARTIFACTS / "report-map-keyboard-cross.png"))
    page.keyboard.press("Enter")

    expect(page.locator("#place-status")).to_contain_text("Pin placed under the cross")
    assert float(page.locator("#lat").input_value()) == pytest.approx(centre[0], abs=1e-5)
    assert float(page.locator("#lon").input_value()) == pytest.approx(centre[1], abs=1e-5)
    expect(page.locator("[data-report-pin]")).to_have_count(1)


def cross_and_ring(page: Page) -> tuple[bool, bool]:
    """Whether the report map draws its cross (::after) and its focus ring (::before)."""
    drawn: list[bool] = page.evaluate(
        """() => {
            const map = document.querySelector('#place .leaflet-container');
            return ['::after', '::before'].map((part) => getComputedStyle(map, part).content !== 'none');
        }"""
    )
    return drawn[0], drawn[1]


def test_the_cross_shows_after_a_key_not_after_a_tap_or_a_click(phone: Page, live_server: LiveServer) -> None:
    # Found from outside on a phone: Leaflet focuses the map from script on a tap, Chromium counts that as
    # :focus-visible, so the keyboard's cross and ring appeared at the map's centre, away from the pin.
    page = phone
    log_in(page, live_server.url)
    page.goto(live_server.url + "/issues/new")
    wait_for_map(page)
    map_box = page.locator("#place .leaflet-container")
    map_box.scroll_into_view_if_needed()
    box = map_box.bounding_box()
    assert box is not None
    page.touchscreen.tap(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7)
    expect(map_box).to_be_focused()  # Leaflet focused it, as it does
    assert cross_and_ring(page) == (False, False)
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    expect(map_box).to_be_focused()
    assert cross_and_ring(page) == (False, False)

    search = page.get_by_role("combobox", name="Find a street or place")
    search.tap()
    page.keyboard.press("Tab")  # from the search box to the map
    expect(map_box).to_be_focused()
    assert cross_and_ring(page) == (True, True)


def test_groups_zoom_and_popups_close_with_the_keyboard(laptop: Page, live_server: LiveServer) -> None:
    page = laptop
    page.goto(live_server.url + "/")
    wait_for_map(page)
    frame = page.locator("[data-cf-map]")
    for _ in range(8):  # Enter on the biggest group until the map shows single problems
        settle(page)
        if frame.get_attribute("data-mode") == "pins":
            break
        before = zoom(page)
        groups = page.locator(CLUSTERS)
        counts = [int(groups.nth(i).get_attribute("data-count") or "0") for i in range(groups.count())]
        groups.nth(counts.index(max(counts))).focus()
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => {MAP}.getZoom() > {before}")
    settle(page)
    assert frame.get_attribute("data-mode") == "pins"

    pin = page.locator(PINS).first
    pin.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup")
    expect(popup).to_be_visible()
    assert page.evaluate("() => Boolean(document.activeElement.closest('.leaflet-popup'))")  # inside it
    page.keyboard.press("Escape")
    expect(popup).to_have_count(0)
    assert "cf-pin" in page.evaluate(FOCUSED_CLASSES)  # back on the pin it came from


def test_a_like_made_with_the_keyboard_keeps_the_focus(laptop: Page, live_server: LiveServer) -> None:
    page = laptop
    log_in(page, live_server.url, "resident19@demo.commonfix.org")
    issue = open_issue_near_willow(live_server)
    page.goto(f"{live_server.url}/issues/{issue['properties']['id']}")
    block = page.locator(".like[data-like-issue]").first
    button = block.locator("button")
    was = button.inner_text()
    button.focus()
    page.keyboard.press("Enter")

    expect(button).not_to_have_text(was)
    expect(button).to_be_focused()
    page.keyboard.press("Enter")  # and back, still there
    expect(button).to_have_text(was)
    expect(button).to_be_focused()


def test_escape_folds_the_phone_menu(phone390: Page, live_server: LiveServer) -> None:
    phone390.goto(live_server.url + "/")
    toggle = phone390.locator(".nav-toggle")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    phone390.keyboard.press("Tab")
    phone390.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()


def test_a_keyboard_can_skip_the_map(laptop: Page, live_server: LiveServer) -> None:
    """Found from outside: past the filters, Tab met every group and pin before "Report a problem"."""
    page = laptop
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.locator("#map-summary").evaluate("summary => summary.scrollIntoView()")
    page.locator("#filter-status").focus()
    page.keyboard.press("Tab")
    expect(page.locator("[data-testid=intro] a")).to_be_focused()  # the intro line a visitor sees
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip the map")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Report a problem").last).to_be_focused()
