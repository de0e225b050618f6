"""The city map on a 390x844 phone, as a resident uses it: a tapped pin's popup stays open, the pin
where the legend would be can be tapped, every status has its own colour and symbol, and axe finds
nothing serious. Runs against the seeded demo city."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import MAP, log_in, wait_for_map
from tests.browser.conftest import api_get
from tests.browser.live_server import LAPTOP, LiveServer
from tests.browser.map_actions import (
    PINS,
    centre_of,
    first_visible_pin,
    open_a_pin_popup,
    popups_stay_open,
    settle,
    tap_clusters_until_pins,
)


def test_a_tapped_pin_keeps_its_popup_open(phone390: Page, live_server: LiveServer) -> None:
    assert popups_stay_open(phone390, live_server) >= 3  # the pins a phone screen shows after the taps


def test_a_popup_stays_open_while_its_pin_is_dragged_off_a_phone_screen(
    phone390: Page, live_server: LiveServer
) -> None:
    """Found from outside: on a phone, leaflet.markercluster removed a pin the moment it left the map's
    visible area, and its open popup with it, while the popup was still on screen."""
    open_a_pin_popup(phone390, live_server)

    # Drag the map down until the pin is 30 px below the map's bottom edge; its popup, above it, shows.
    phone390.evaluate(
        f"""() => {{
            const popup = {MAP}._popup;
            const pin = {MAP}.latLngToContainerPoint(popup.getLatLng());
            {MAP}.panBy([0, -({MAP}.getSize().y - pin.y + 30)], {{animate: false}});
        }}"""
    )
    settle(phone390)

    expect(phone390.locator(".leaflet-popup .cf-popup")).to_be_visible()
    top = phone390.locator(".leaflet-popup").bounding_box()
    frame = phone390.locator("[data-cf-map]").bounding_box()
    assert top is not None
    assert frame is not None
    assert top["y"] < frame["y"] + frame["height"]  # still (partly) on screen, as the resident sees it


def test_a_clicked_pin_keeps_its_popup_open_on_a_laptop(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(**LAPTOP)
    try:
        assert popups_stay_open(context.new_page(), live_server) >= 4
    finally:
        context.close()


def test_a_popup_stays_open_while_the_cluster_plugin_regroups_its_pin(
    phone390: Page, live_server: LiveServer
) -> None:
    """A popup belongs to the map, not to its pin: the cluster plugin takes a pin off the map and back
    as it regroups, and a popup bound to the pin closed with it (CI saw a clicked pin's popup vanish)."""
    title = open_a_pin_popup(phone390, live_server).locator(".cf-popup__title")
    expect(title).to_be_visible()
    name = title.inner_text()
    tip = phone390.locator(".leaflet-popup-tip-container").bounding_box()
    pin = phone390.get_by_title(re.compile("^" + re.escape(name) + r" \(")).bounding_box()
    assert tip is not None
    assert pin is not None
    assert tip["y"] + tip["height"] <= pin["y"] + pin["height"] / 2  # its tip ends above the pin

    # A pin added where the popup's pin is folds both into a group of two (the pin leaves the map);
    # taking it away again brings the pin back. The popup is still open on the map after both.
    folded, open_after = phone390.evaluate(
        f"""() => {{
            const map = {MAP};
            const group = Object.values(map._layers).find((layer) => layer instanceof L.MarkerClusterGroup);
            const at = map._popup.getLatLng();
            const pin = group.getLayers().find((marker) => marker.getLatLng().equals(at));
            const twin = L.marker(at);
            group.addLayer(twin);
            const folded = !map.hasLayer(pin);
            group.removeLayer(twin);
            return [folded, map.hasLayer(map._popup)];
        }}"""
    )
    assert folded
    assert open_after
    phone390.wait_for_timeout(400)  # a closed popup fades out for 200 ms before it leaves the page
    expect(phone390.locator(".leaflet-popup")).to_have_count(1)
    expect(title).to_have_text(name)


def test_a_new_filter_closes_the_popup_and_draws_its_pins(phone390: Page, live_server: LiveServer) -> None:
    """Found from outside: under an open popup a new Category changed the count above the map but not the
    pins, which waited for the popup to close."""
    open_a_pin_popup(phone390, live_server)
    category = phone390.locator("#filter-category option").nth(1).get_attribute("value") or ""
    with phone390.expect_response(
        lambda r: "/api/v1/issues?" in r.url and f"category={category}" in r.url
    ) as answer:
        phone390.locator("#filter-category").select_option(category)
    wanted = len(answer.value.json()["features"])
    expect(phone390.locator(".leaflet-popup")).to_have_count(0)
    expect(phone390.locator("[data-cf-map]")).to_have_attribute("data-pins", str(wanted))


def test_the_pin_where_the_legend_is_can_be_tapped(phone390: Page, live_server: LiveServer) -> None:
    """Bring a pin to where the legend is drawn (its box, or its toggle when folded) and tap it there:
    the legend covers no part of the map, so the pin's popup opens."""
    page = phone390
    page.goto(live_server.url + "/")
    wait_for_map(page)
    legend = page.locator(".legend")
    expect(legend).to_be_visible()
    feature = api_get(live_server, "/api/v1/issues?status=open&per_page=1")["features"][0]
    lon, lat = feature["geometry"]["coordinates"]
    zoom = int(page.locator("[data-cf-map]").get_attribute("data-cluster-max-zoom") or 0) + 2
    page.evaluate(f"([lat, lon, z]) => {MAP}.setView([lat, lon], z, {{animate: false}})", [lat, lon, zoom])
    settle(page)
    pin = page.locator(f'{PINS}[title^="{feature["properties"]["title"]}"]')
    expect(pin).to_have_count(1)

    frame = page.locator("[data-cf-map]").bounding_box()
    box = legend.bounding_box()
    assert frame is not None
    assert box is not None
    # The legend's centre, held inside the map: where the pin is brought to.
    target_x = min(max(box["x"] + box["width"] / 2, frame["x"] + 30), frame["x"] + frame["width"] - 30)
    target_y = min(max(box["y"] + box["height"] / 2, frame["y"] + 30), frame["y"] + frame["height"] - 30)
    point = centre_of(pin)
    assert point is not None
    page.evaluate(
        f"([dx, dy]) => {MAP}.panBy([dx, dy], {{animate: false}})", [point[0] - target_x, point[1] - target_y]
    )
    settle(page)
    point = centre_of(pin)
    assert point is not None
    page.touchscreen.tap(*point)
    popup = page.locator(".leaflet-popup .cf-popup")
    expect(popup).to_be_visible()
    expect(popup.locator(".cf-popup__title")).to_have_text(feature["properties"]["title"])
    page.wait_for_timeout(2000)
    expect(popup).to_be_visible()


OFFICIAL = "official@demo.commonfix.org"


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""

    def luminance(colour: str) -> float:
        inside = colour[colour.index("(") + 1 : colour.index(")")]
        channels = [int(float(v)) / 255 for v in inside.split(",")[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def badge_looks(page: Page, selector: str) -> dict[str, tuple[str, str, str]]:
    """Per status code: the badge's background, text colour and the symbol its icon shows."""
    looks: list[list[str]] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((b) => {
            const style = getComputedStyle(b);
            const use = b.querySelector('svg.status-icon use');
            return [b.getAttribute('data-status'), style.backgroundColor, style.color,
                    use ? use.getAttribute('href').split('#')[1] : ''];
        })""",
        selector,
    )
    return {code: (background, colour, symbol) for code, background, colour, symbol in looks}


def test_the_key_folds_on_a_phone_and_names_every_status_with_its_own_colour_and_symbol(
    phone390: Page, live_server: LiveServer
) -> None:
    page = phone390
    page.goto(live_server.url + "/")
    wait_for_map(page)
    legend = page.locator("#map-legend")
    expect(legend).not_to_have_attribute("open", "")
    expect(page.locator(".legend__body")).to_be_hidden()
    frame = page.locator("[data-cf-map]").bounding_box()
    panel = page.locator(".map-panel").bounding_box()
    assert frame is not None
    assert panel is not None
    assert panel["y"] >= frame["y"] + frame["height"] - 1  # beside the map, not over it
    assert serious_violations(page) == []

    page.locator(".legend__toggle").tap()
    expect(page.locator(".legend__list").first).to_be_visible()
    items: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('.legend__item[data-status]')].map((li) => {
            const icon = li.querySelector('svg.status-icon');
            return [li.getAttribute('data-status'), li.innerText.trim(), getComputedStyle(icon).color,
                    icon.querySelector('use').getAttribute('href').split('#')[1]];
        })"""
    )
    names = {name for _, name, _, _ in items}
    wanted = {"New", "Acknowledged", "Investigating", "In progress", "Planned", "Fixed", "Closed"}
    wanted.add("Duplicate")
    assert wanted <= names
    assert len({colour for _, _, colour, _ in items}) == len(items)
    assert len({symbol for _, _, _, symbol in items}) == len(items)
    # Opened, the key pushes the map up; it still covers none of it.
    frame = page.locator("[data-cf-map]").bounding_box()
    panel = page.locator(".map-panel").bounding_box()
    assert frame is not None
    assert panel is not None
    assert panel["y"] >= frame["y"] + frame["height"] - 1
    assert serious_violations(page) == []


def test_the_key_is_open_beside_the_map_on_a_laptop(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(**LAPTOP)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_map(page)
        expect(page.locator("#map-legend")).to_have_attribute("open", "")
        expect(page.locator(".legend__list").first).to_be_visible()
        frame = page.locator("[data-cf-map]").bounding_box()
        panel = page.locator(".map-panel").bounding_box()
        assert frame is not None
        assert panel is not None
        assert panel["x"] >= frame["x"] + frame["width"] - 1
        assert serious_violations(page) == []
    finally:
        context.close()


def test_pins_and_popups_show_their_status_symbol(phone390: Page, live_server: LiveServer) -> None:
    page = phone390
    page.goto(live_server.url + "/")
    wait_for_map(page)
    tap_clusters_until_pins(page)
    pins: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-marker-icon.cf-pin')].map((p) => [
            [...p.classList].find((c) => c.startsWith('status--')),
            p.querySelector('use').getAttribute('href').split('#')[1]])"""
    )
    assert pins
    for style, symbol in pins:
        assert symbol in (f"status-{style.removeprefix('status--')}", style.removeprefix("status--"))
    page.touchscreen.tap(*first_visible_pin(page))
    badge = page.locator(".cf-popup .status-badge")
    expect(badge).to_be_visible()
    expect(badge.locator("svg.status-icon use")).to_have_attribute("href", re.compile(r"#status-[a-z-]+$"))


def test_status_badges_on_the_dashboard_have_distinct_colours_with_aa_contrast(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(**LAPTOP)
    try:
        page = context.new_page()
        log_in(page, live_server.url, OFFICIAL)
        page.goto(live_server.url + "/staff/dashboard?status=open,fixed,closed")
        looks = badge_looks(page, ".dash-table .status-badge")
        assert len(looks) >= 5, looks
        assert len({background for background, _, _ in looks.values()}) == len(looks)
        assert len({symbol for _, _, symbol in looks.values()}) == len(looks)
        for code, (background, colour, _) in looks.items():
            assert contrast(colour, background) >= 4.5, code
        assert serious_violations(page) == []
    finally:
        context.close()


def test_pins_loaded_under_an_open_popup_wait_until_it_closes(
    browser: Browser, live_server: LiveServer
) -> None:
    """On a laptop; a phone keeps its popup as the map moves too (the test above)."""
    context = browser.new_context(**LAPTOP)
    try:
        page = context.new_page()
        open_a_pin_popup(page, live_server)
        frame = page.locator("[data-cf-map]")
        drawn_before = frame.get_attribute("data-pins")

        # North by 0.8 of a screen: past the half screen loaded around the view, so pins are asked for.
        with page.expect_response(lambda r: "/api/v1/issues?" in r.url) as answer:
            page.evaluate(f"() => {MAP}.panBy([0, -0.8 * {MAP}.getSize().y], {{animate: false}})")
        features = answer.value.json()["features"]
        waited = len(features)
        settle(page)
        expect(page.locator(".leaflet-popup")).to_have_count(1)  # still open: nothing redrawn under it
        assert frame.get_attribute("data-pins") == drawn_before
        # The summary counts what is in view now, from the answer that waits (found from outside: it
        # kept the count of the view before the move while a popup was open).
        west, south, east, north = page.evaluate(
            f"() => {MAP}.getBounds().toBBoxString().split(',').map(Number)"
        )
        in_view = sum(
            1
            for f in features
            if west <= f["geometry"]["coordinates"][0] <= east
            and south <= f["geometry"]["coordinates"][1] <= north
        )
        expect(page.locator("#map-summary")).to_have_text(re.compile(rf"^{in_view} open problems? in view"))
        page.evaluate(f"() => {MAP}.closePopup()")
        expect(page.locator(".leaflet-popup")).to_have_count(0)
        expect(frame).to_have_attribute("data-pins", str(waited))  # the answer that waited, now drawn
    finally:
        context.close()


def test_area_names_stay_inside_the_map_on_a_phone(phone390: Page, live_server: LiveServer) -> None:
    """Found from outside: a name at the map's edge was cut ("ELM PAR") on a 390 px phone."""
    phone390.goto(live_server.url + "/")
    wait_for_map(phone390)
    settle(phone390)
    cut = phone390.evaluate(
        """() => {
            const e = document.querySelector('[data-cf-map]').getBoundingClientRect();
            return [...document.querySelectorAll('.area-label')]
                .map((label) => label.getBoundingClientRect())
                .filter((r) => r.width && r.right > e.left && r.left < e.right)
                .filter((r) => r.bottom > e.top && r.top < e.bottom)  // seen, at least in part
                .filter((r) => r.left < e.left || r.right > e.right || r.top < e.top || r.bottom > e.bottom)
                .length;
        }"""
    )
    assert cut == 0


def test_the_unfolded_key_leaves_the_map_room_on_a_small_phone(phone: Page, live_server: LiveServer) -> None:
    """Found from outside: on a 360x640 phone, opening "Map key" left 11 px of map; the key now scrolls
    in its bar and the map keeps room to use."""
    phone.goto(live_server.url + "/")
    wait_for_map(phone)
    phone.locator(".legend__toggle").click()
    expect(phone.locator(".legend__body")).to_be_visible()
    frame = phone.locator("[data-cf-map]").bounding_box()
    panel = phone.locator(".map-panel").bounding_box()
    assert frame is not None
    assert panel is not None
    assert frame["height"] >= 150
    assert panel["y"] + panel["height"] <= 640  # the key's bar stays on screen, scrolling inside
    # Scrolled to its end, the key keeps its toggle and the report button in view (found in a recheck:
    # both scrolled away with it).
    phone.locator(".map-panel__scroll").evaluate("e => { e.scrollTop = e.scrollHeight; }")
    for control in (".legend__toggle", ".report-fab"):
        box = phone.locator(control).bounding_box()
        assert box is not None
        assert panel["y"] - 1 <= box["y"] <= panel["y"] + 20, control


def test_the_report_button_beside_the_map_shows_its_whole_label(
    browser: Browser, live_server: LiveServer
) -> None:
    """Seen in a laptop screenshot: "Report a problem" was cut at its last letter in the side panel."""
    page = browser.new_context(**LAPTOP).new_page()
    try:
        page.goto(live_server.url + "/")
        wait_for_map(page)
        widths = page.locator(".report-fab").evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert widths[0] <= widths[1]
    finally:
        page.context.close()
