"""A resident on a phone: the clustered map, reporting by tapping the map, the duplicate offer, likes,
and the Top priorities list changing as a result. Runs against the seeded demo city."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.actions import MAP, log_in, open_ground_near, register, show_on_map, tap_map_at
from tests.browser.conftest import api_get, new_phone_page, phone_located_at
from tests.browser.live_server import LiveServer


@dataclass(frozen=True)
class Ranked:
    id: int
    title: str
    category: str
    area_id: int
    likes: int
    lat: float
    lon: float


def ranked_list(server: LiveServer, **filters: object) -> list[Ranked]:
    query = urlencode({"status": "open", "sort": "rank", "per_page": 100, **filters})
    features = api_get(server, f"/api/v1/issues?{query}")["features"]
    return [
        Ranked(
            f["properties"]["id"],
            f["properties"]["title"],
            f["properties"]["category"],
            f["properties"]["area_id"],
            f["properties"]["likes"],
            f["geometry"]["coordinates"][1],
            f["geometry"]["coordinates"][0],
        )
        for f in features
    ]


def issue_that_overtakes_with_one_like(server: LiveServer) -> tuple[Ranked, Ranked]:
    """An open problem tied on likes with the one ranked just above it (older, same area), so one
    more like moves it up past at least that one. Returns (it, the one above)."""
    for category in sorted({r.category for r in ranked_list(server)}):
        rows = ranked_list(server, category=category)
        for above, candidate in itertools.pairwise(rows):
            if above.likes == candidate.likes and above.area_id == candidate.area_id:
                return candidate, above
    raise AssertionError("the demo city has no two tied problems in one area and category")


def row_of(page: Page, issue: Ranked) -> Locator:
    """The problem's row in the ranked list (found by its link: demo titles repeat)."""
    return page.locator(f'.ranked__item:has(a[href$="/issues/{issue.id}"])')


def rank_of(page: Page, issue: Ranked) -> int:
    row = row_of(page, issue)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(issue.title)
    return int(row.locator(".ranked__rank").inner_text())


def tap_inside_map(page: Page, markers: Locator) -> str:
    """Tap the first marker drawn well inside the map (clear of its edges and the zoom buttons; the key
    and the report button sit beside the map, not over it). Returns what was tapped, for messages."""
    frame = page.locator("[data-cf-map]").bounding_box()
    assert frame is not None
    for marker in markers.all():
        box = marker.bounding_box()
        if box is None:
            continue
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        inside_x = frame["x"] + 24 < x < frame["x"] + frame["width"] - 24
        inside_y = frame["y"] + 24 < y < frame["y"] + frame["height"] - 24
        under_zoom_buttons = x < frame["x"] + 64 and y < frame["y"] + 110
        if inside_x and inside_y and not under_zoom_buttons:
            on_top = page.evaluate(
                "([x, y]) => { const e = document.elementFromPoint(x, y); return e ? e.className : ''; }",
                [x, y],
            )
            page.touchscreen.tap(x, y)
            return f"{marker.inner_text()!r} at ({x:.0f}, {y:.0f}), under {on_top!r}"
    raise AssertionError("no marker is drawn inside the map")


def map_zoom(page: Page) -> float:
    return float(page.evaluate(f"() => {MAP}.getZoom()"))


def test_the_map_shows_clustered_pins_by_status(
    phone: Page, live_server: LiveServer, artifacts: Path
) -> None:
    phone.goto(live_server.url + "/")

    expect(phone.get_by_role("link", name="Report a problem")).to_be_visible()
    expect(phone.locator(".leaflet-marker-icon.cf-cluster").first).to_be_visible()
    clusters = phone.locator(".leaflet-marker-icon.cf-cluster")
    assert clusters.count() >= 3
    total = sum(int(c.replace(",", "")) for c in clusters.all_inner_texts())
    summary = phone.locator("#map-summary")
    in_area = re.compile(r"^[\d,]+ open problems in the area shown; choose a number to zoom in\.$")
    expect(summary).to_have_text(in_area)
    shown = int(summary.inner_text().split()[0].replace(",", ""))
    assert 0 < total == shown  # the server's clusters count every problem in their cells
    expect(phone.locator(".legend")).to_contain_text("Open")
    phone.screenshot(path=str(artifacts / "map-phone.png"))

    phone.get_by_label("Status").select_option(label="Fixed")
    expect(summary).to_have_text(re.compile(r"^[\d,]+ fixed problems in the area shown; choose a number"))
    expect(phone.locator(".leaflet-marker-icon.cf-pin--open")).to_have_count(0)
    assert "status=fixed" in phone.url

    # Zoomed in far enough, clusters open into pins whose popups link to the problem.
    phone.get_by_label("Status").select_option(label="Open problems")
    frame = phone.locator("[data-cf-map]")
    cluster_max_zoom = float(frame.get_attribute("data-cluster-max-zoom") or "nan")
    # Each tap on a cluster zooms in at least one level, until the pins come; each waits for its zoom
    # rather than a fixed time. A tap that has not zoomed within 3 s is tried again and named in the
    # failure message: in one CI run (and once in 12 runs on a loaded machine, not since in 60) no tap
    # zoomed, for a reason not found.
    unanswered: list[str] = []
    for _ in range(8):
        expect(frame).not_to_have_attribute("aria-busy", "true")
        zoom = map_zoom(phone)
        if zoom > cluster_max_zoom:
            break
        tapped = tap_inside_map(phone, phone.locator(".leaflet-marker-icon.cf-cluster"))
        try:
            phone.wait_for_function(f"() => {MAP}.getZoom() > {zoom}", timeout=3_000)
        except PlaywrightTimeoutError:
            unanswered.append(f"{tapped} at zoom {zoom}")
    lost = f"taps on clusters that did not zoom the map: {unanswered}"
    expect(frame, lost).to_have_attribute("data-mode", "pins")
    expect(phone.locator(".leaflet-marker-icon.cf-pin").first).to_be_visible()
    phone.wait_for_timeout(400)  # the zoom animation
    tap_inside_map(phone, phone.locator(".leaflet-marker-icon.cf-pin"))
    popup = phone.locator(".cf-popup")
    expect(popup).to_contain_text(re.compile(r"\d+ likes?"))
    expect(popup.get_by_role("link").first).to_have_attribute("href", re.compile(r"/issues/\d+$"))


def test_a_new_resident_likes_the_nearby_duplicate_then_reports_and_the_ranking_changes(
    phone: Page, live_server: LiveServer
) -> None:
    target, above = issue_that_overtakes_with_one_like(live_server)
    filters = {"area": target.area_id, "category": target.category}
    phone.goto(f"{live_server.url}/priorities?{urlencode(filters)}")
    before = rank_of(phone, target)
    assert rank_of(phone, above) == before - 1

    # Report a problem -> log in page -> Create an account -> back on the report page.
    phone.goto(live_server.url + "/")
    phone.get_by_role("link", name="Report a problem").tap()
    expect(phone).to_have_url(re.compile(r"/account/login\?next="))
    phone.get_by_role("link", name="Create an account").tap()
    register(phone, live_server, display_name="Nadia from Elm Street")
    expect(phone).to_have_url(live_server.url + "/issues/new")

    # Place the pin by tapping open ground some 30 m from the reported problem, then pick its category.
    show_on_map(phone, target.lat, target.lon)
    lat, lon = open_ground_near(phone, target.lat, target.lon)
    tap_map_at(phone, lat, lon)
    expect(phone.locator("#place-status")).to_contain_text("Pin placed")
    assert abs(float(phone.locator("#lat").input_value()) - lat) < 0.00002
    assert abs(float(phone.locator("#lon").input_value()) - lon) < 0.00002
    phone.get_by_label("Category").select_option(target.category)

    panel = phone.locator("#suggestions")
    expect(panel.get_by_role("heading", name="Already reported?")).to_be_visible()
    offered = panel.locator(f'.suggestion:has(a[href$="/issues/{target.id}"])')
    expect(offered).to_have_count(1)
    expect(offered).to_contain_text(target.title)
    expect(offered).to_contain_text(f"{target.likes} like")
    offered.get_by_role("button", name="Like").tap()
    expect(offered.get_by_role("button", name="Unlike")).to_be_visible()
    expect(offered.locator("[data-like-count]")).to_have_text(str(target.likes + 1))

    # Report it anyway (say, a second problem at the same spot).
    phone.get_by_label("Title").fill("Second report at the same spot")
    phone.get_by_label("Description").fill("Reported again on purpose: it got worse since the first report.")
    # A photo over the 10 MB limit is refused on the page: nothing is sent, the pin and the text stay.
    too_big = {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": b"\xff" * (11 * 1024 * 1024)}
    phone.get_by_label("Photo").set_input_files(too_big)
    expect(phone.locator("#photo-size-error")).to_contain_text("This photo is 11.0 MB; the limit is 10 MB")
    phone.get_by_role("button", name="Submit report").tap()
    expect(phone).to_have_url(live_server.url + "/issues/new")
    assert abs(float(phone.locator("#lat").input_value()) - lat) < 0.00002
    phone.get_by_label("Photo").set_input_files([])
    expect(phone.locator("#photo-size-error")).to_be_hidden()
    phone.get_by_role("button", name="Submit report").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Second report at the same spot")
    expect(phone.locator(".flash--success")).to_contain_text("Your report is on the map")
    expect(phone.locator(".facts")).to_contain_text("Nadia from Elm Street")

    # Top priorities: the liked problem overtook its older, equally liked neighbour; the new one is listed.
    phone.get_by_role("button", name="Menu").tap()
    phone.get_by_role("link", name="Top priorities").tap()
    phone.get_by_label("Area").select_option(str(target.area_id))
    phone.get_by_label("Category").select_option(target.category)
    phone.get_by_role("button", name="Show").tap()
    expect(phone).to_have_url(re.compile(r"/priorities\?area="))
    after = rank_of(phone, target)
    assert after < before
    assert rank_of(phone, above) > after
    expect(row_of(phone, target).locator(".ranked__likes strong")).to_have_text(str(target.likes + 1))
    expect(phone.locator(".ranked__item").filter(has_text="Second report at the same spot")).to_have_count(1)


def test_use_my_location_places_the_pin_or_explains_why_not(
    browser: Browser, live_server: LiveServer
) -> None:
    target, _ = issue_that_overtakes_with_one_like(live_server)
    allowed = new_phone_page(
        browser, geolocation={"latitude": target.lat, "longitude": target.lon}, permissions=["geolocation"]
    )
    refused = new_phone_page(browser)
    # Found from outside: a location far from the city placed the pin without a word until sending.
    paris = {"latitude": 48.85, "longitude": 2.35}
    far = new_phone_page(browser, geolocation=paris, permissions=["geolocation"])
    try:
        for page in (allowed, refused, far):
            page.goto(live_server.url + "/account/register?next=/issues/new")
            register(page, live_server)
            page.get_by_role("button", name="Use my location").tap()

        expect(allowed.locator("#place-status")).to_contain_text("Pin placed at your location")
        assert float(allowed.locator("#lat").input_value()) == round(target.lat, 6)
        assert float(allowed.locator("#lon").input_value()) == round(target.lon, 6)

        expect(refused.locator("#place-status")).to_contain_text("Location access was refused")
        expect(refused.locator("#place-status")).to_have_class(re.compile("is-error"))
        assert refused.locator("#lat").input_value() == ""

        expect(far.locator("#place-status")).to_contain_text("This point is outside the city")
        expect(far.locator("#place-status")).to_have_class(re.compile("is-error"))
        allowed.wait_for_load_state("networkidle")  # the outlines are in: a pin inside stays unwarned
        expect(allowed.locator("#place-status")).not_to_have_class(re.compile("is-error"))
    finally:
        for page in (allowed, refused, far):
            page.context.close()


def test_a_map_opened_where_the_resident_is_says_at_once_whether_that_is_outside_the_city(
    browser: Browser, live_server: LiveServer
) -> None:
    # Found from outside: a phone that may already share its location opened the report map on the
    # resident, in Paris, saying "tap where the problem is", where every tap's pin would be refused.
    lon, lat = api_get(live_server, "/api/v1/issues?status=open&per_page=1")["features"][0]["geometry"][
        "coordinates"
    ]
    far, far_errors = phone_located_at(browser, 48.85, 2.35)
    home, home_errors = phone_located_at(browser, lat, lon)
    try:
        for page in (far, home):
            log_in(page, live_server.url)
            page.goto(live_server.url + "/issues/new")

        expect(far.locator("#place-status")).to_contain_text(
            "The map shows where you are, which is outside the city"
        )
        expect(far.locator("#place-status")).to_have_class(re.compile("is-error"))
        centre = far.evaluate(f"() => {{ const c = {MAP}.getCenter(); return [c.lat, c.lng]; }}")
        assert abs(centre[0] - 48.85) < 0.01
        assert abs(centre[1] - 2.35) < 0.01
        assert far.locator("#lat").input_value() == ""  # no pin: the resident still chooses the place

        expect(home.locator("#place-status")).to_have_text(
            "The map shows where you are: tap where the problem is."
        )
        home.wait_for_load_state("networkidle")  # the area's answer is in: inside the city, no warning
        expect(home.locator("#place-status")).to_have_text(
            "The map shows where you are: tap where the problem is."
        )
        expect(home.locator("#place-status")).not_to_have_class(re.compile("is-error"))
    finally:
        for page in (far, home):
            page.context.close()
    assert not far_errors + home_errors, f"JavaScript errors on the page: {far_errors + home_errors}"


def test_like_and_unlike_on_the_problem_page_update_in_place(phone: Page, live_server: LiveServer) -> None:
    issue = ranked_list(live_server)[-1]
    phone.goto(f"{live_server.url}/issues/{issue.id}")
    phone.get_by_role("link", name="Log in to like").tap()
    phone.get_by_role("link", name="Create an account").tap()
    register(phone, live_server)
    expect(phone).to_have_url(f"{live_server.url}/issues/{issue.id}")

    count = phone.locator(".like [data-like-count]")
    expect(count).to_have_text(str(issue.likes))
    phone.get_by_role("button", name="Like", exact=True).tap()
    expect(count).to_have_text(str(issue.likes + 1))
    expect(phone.get_by_role("button", name="Unlike")).to_be_visible()

    phone.reload()  # the like is stored, not only drawn
    expect(count).to_have_text(str(issue.likes + 1))
    phone.get_by_role("button", name="Unlike").tap()
    expect(count).to_have_text(str(issue.likes))
    expect(phone.get_by_role("button", name="Like", exact=True)).to_be_visible()
