"""The phone menu opens in full on the map page, whoever is logged in.

Found from outside: on the home map at 390x844, logged out, the open menu's header shrank to 315 px
(the map page's column fits the screen) while its six links needed 336, so "Register" hung past the
blue band over the search box. Runs against the seeded demo city."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.actions import log_in, wait_for_map
from tests.browser.live_server import LiveServer

OFFICIAL = "official@demo.commonfix.org"


@pytest.mark.parametrize("who", [None, OFFICIAL])
def test_every_link_of_the_open_menu_is_inside_the_header(
    phone390: Page, live_server: LiveServer, who: str | None
) -> None:
    page = phone390
    if who is not None:
        log_in(page, live_server.url, who)
    page.goto(live_server.url + "/")
    wait_for_map(page)
    page.get_by_role("button", name="Menu").click()
    nav = page.locator(".site-nav")
    expect(nav).to_be_visible()
    header = page.locator(".site-header").bounding_box()
    assert header is not None
    items = nav.locator("li")
    assert items.count() >= 5
    for i in range(items.count()):
        box = items.nth(i).bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= header["y"] + header["height"] + 0.5, items.nth(i).inner_text()
