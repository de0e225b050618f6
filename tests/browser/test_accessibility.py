"""axe-core finds no serious or critical violation on the pages residents and officials use most.

Each feature's browser journey may check its own pages too; this file keeps the main public pages in
one place, at phone size, as a resident first sees them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.accessibility import serious_violations
from tests.browser.actions import wait_for_map
from tests.browser.live_server import LiveServer

PUBLIC_PAGES = [
    "/",
    "/priorities",
    "/issues/1",
    "/account/login",
    "/account/register",
    "/privacy",
    "/open-data",
    "/how-it-works",
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_accessibility_violation(
    phone: Page, live_server: LiveServer, path: str
) -> None:
    phone.goto(live_server.url + path)
    if phone.locator("[data-cf-map]").count():
        wait_for_map(phone)

    assert serious_violations(phone) == []


def test_the_check_finds_a_nameless_button(phone: Page) -> None:
    phone.set_content('<html lang="en"><title>t</title><main><button></button></main></html>')

    assert [line.split(" ")[0] for line in serious_violations(phone)] == ["button-name"]
