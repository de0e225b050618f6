"""Links that stand alone on a 390x844 phone (not words inside a sentence) are as easy to tap as the
buttons: at least 44 px tall (app.css). Runs against the seeded demo city."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import log_in
from tests.browser.conftest import api_get, new_phone_page, phone_located_at
from tests.browser.live_server import PHONE_390, LiveServer
from tests.browser.map_actions import open_a_pin_popup
from tests.browser.test_photo_shrink import report
from tests.browser.test_resident_journey import ranked_list

TALL_ENOUGH = 44


def heights(page: Page, selector: str) -> list[float]:
    found: list[float] = page.eval_on_selector_all(
        selector, "(links) => links.map((link) => link.getBoundingClientRect().height)"
    )
    return found


def test_the_ballots_details_links_and_the_footers_links_are_tall_enough_to_tap(
    phone390: Page, live_server: LiveServer
) -> None:
    # Found from outside: each candidate's "Details" link was 22 px tall, the footer's links 23 px.
    rounds = api_get(live_server, "/api/v1/rounds")["rounds"]
    with_candidates = next(r for r in rounds if r["phase"] in ("pledging", "voting"))
    log_in(phone390, live_server.url)
    phone390.goto(f"{live_server.url}/rounds/{with_candidates['id']}/ballot")
    expect(phone390.locator(".ballot__more").first).to_be_visible()

    details = heights(phone390, ".ballot__more")
    footer = heights(phone390, ".site-footer a")
    assert details
    assert footer
    assert min(details) >= TALL_ENOUGH, details
    assert min(footer) >= TALL_ENOUGH, footer


def test_my_commonfix_jumps_the_groups_and_a_flags_cancel_are_tall_enough_to_tap(
    phone390: Page, live_server: LiveServer
) -> None:
    # Found from outside: My Commonfix's section links were 37 px tall, the groups' names 24 px, a
    # flag's "Cancel" 19 px.
    log_in(phone390, live_server.url)
    phone390.goto(f"{live_server.url}/account")
    jumps = heights(phone390, ".mine__jump a")
    phone390.goto(f"{live_server.url}/groups")
    groups = heights(phone390, ".group-card__name a")
    issue = api_get(live_server, "/api/v1/issues?status=open&per_page=1")["features"][0]
    phone390.goto(f"{live_server.url}/issues/{issue['properties']['id']}/flag")
    cancel = heights(phone390, "main a.button:text('Cancel')")

    assert jumps
    assert groups
    assert cancel
    assert min(jumps + groups + cancel) >= TALL_ENOUGH, (jumps, groups, cancel)


def test_a_map_popups_close_button_is_big_enough_to_tap(phone390: Page, live_server: LiveServer) -> None:
    # Found from outside: Leaflet's close button was 16 px wide on a phone.
    open_a_pin_popup(phone390, live_server)
    close = phone390.locator(".leaflet-popup-close-button")
    expect(close).to_be_visible()
    # Its laid-out size: a bounding box taken while the map still pans to the popup can read 39.99998.
    assert min(close.evaluate("button => [button.offsetWidth, button.offsetHeight]")) >= 40
    size = close.bounding_box()
    assert size is not None
    title = phone390.locator(".leaflet-popup .cf-popup__title").bounding_box()
    assert title is not None
    assert title["x"] + title["width"] <= size["x"] + 1  # the title keeps clear of it


def test_a_report_photos_hide_button_is_tall_enough_to_tap(browser: Browser, live_server: LiveServer) -> None:
    """Found from outside: an official's "Hide photo" under a report's photo was 26 px tall on a phone."""
    place = ranked_list(live_server)[0]  # where an open problem is: inside the city
    resident, _ = phone_located_at(browser, place.lat, place.lon)
    picture = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 120, 60)).save(picture, "JPEG")
    try:
        log_in(resident, live_server.url, "resident30@demo.commonfix.org")
        report(
            resident,
            live_server.url,
            place.category,
            "Bench with a photo",
            picture.getvalue(),
            wait_for_photo=False,
        )
        issue_path = urlsplit(resident.url).path
    finally:
        resident.context.close()
    official = new_phone_page(browser, **PHONE_390)
    try:
        log_in(official, live_server.url, "official@demo.commonfix.org")
        official.goto(live_server.url + "/staff" + issue_path)
        official.locator("summary", has_text="Report photos").click()
        hide = heights(official, ".staff-photos button")
        assert hide
        assert min(hide) >= TALL_ENOUGH, hide
    finally:
        official.context.close()
