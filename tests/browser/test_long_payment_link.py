"""A treasurer's payment link (one long word) wraps on a phone: the pool page and the pledge's message
stay as wide as the screen.

Found from outside: a PayPal or SumUp link in "Where residents pay" made the pool page 422 to 519 px
wide at 390 px, cutting its "Paying in" cards off, and the pledge's success message 417 px.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import log_in, register
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import PHONE_390, LiveServer

TREASURER = "resident7@demo.commonfix.org"  # a treasurer of group 2's pool
GROUP = 2
LINK = "https://www.paypal.com/donate/?hosted_button_id=OLDTOWNNEIGHBOURSPLAYGROUNDFUND2026EXTRA"


def page_width(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_a_long_payment_link_wraps_on_the_pool_page_and_in_the_pledge_message(
    browser: Browser, live_server: LiveServer
) -> None:
    pool_id = api_get(live_server, f"/api/v1/groups/{GROUP}")["pool_id"]
    treasurer = new_phone_page(browser, **PHONE_390)
    resident = new_phone_page(browser, **PHONE_390)
    try:
        log_in(treasurer, live_server.url, TREASURER)
        treasurer.goto(f"{live_server.url}/pools/{pool_id}/treasurer")
        treasurer.get_by_label("Where residents send the money").fill(f"Pay online at {LINK} or cash to Ana.")
        treasurer.get_by_role("button", name="Save the payment details").click()
        expect(treasurer.locator(".flash--success")).to_be_visible()

        treasurer.goto(f"{live_server.url}/pools/{pool_id}")
        expect(treasurer.locator(".paying__list")).to_contain_text(LINK)
        assert page_width(treasurer) <= 390

        resident.goto(f"{live_server.url}/account/register?next=/groups/{GROUP}")
        register(resident, live_server)
        resident.goto(f"{live_server.url}/groups/{GROUP}")
        resident.get_by_role("button", name="Join").click()
        resident.get_by_label("Amount to pledge").fill("5.00")
        resident.get_by_role("button", name="Pledge").click()
        expect(resident.locator(".flash--success")).to_contain_text(LINK)
        assert page_width(resident) <= 390
    finally:
        treasurer.context.close()
        resident.context.close()
