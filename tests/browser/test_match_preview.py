"""The city match form says what the typed ratio and cap would add, before the official presses the button.

Found from outside: a cap typed as "1,5" (for 15) matched EUR 1.50 for EUR 125.00 of pledges, which
then counted as matched, so a second match found nothing left; nothing had said so beforehand.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.actions import confirm, log_in, register
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import ARTIFACTS, PHONE_390, LiveServer

OFFICIAL = "official@demo.commonfix.org"
GROUP = 3  # no other browser test uses its pool


def test_the_match_form_says_what_the_cap_holds_back(browser: Browser, live_server: LiveServer) -> None:
    group = api_get(live_server, f"/api/v1/groups/{GROUP}")
    resident = new_phone_page(browser, **PHONE_390)
    official = new_phone_page(browser, **PHONE_390)
    errors: list[str] = []
    official.on("pageerror", lambda error: errors.append(str(error)))
    try:
        # Pledges not matched before: a new member's EUR 12.50, confirmed by the official.
        resident.goto(f"{live_server.url}/account/register?next=/groups/{GROUP}")
        register(resident, live_server, display_name="Robin Match")
        resident.goto(f"{live_server.url}/groups/{GROUP}")
        resident.get_by_role("button", name="Join").click()
        resident.get_by_label("Amount to pledge").fill("12.50")
        resident.get_by_role("button", name="Pledge").click()
        expect(resident.locator(".flash--success")).to_be_visible()
        log_in(official, live_server.url, OFFICIAL)
        official.goto(f"{live_server.url}/pools/{group['pool_id']}/treasurer")
        confirm(official, "Confirm EUR 12.50 from Robin Match", "enters the pool's public ledger")
        expect(official.locator(".flash--success")).to_contain_text("confirmed")

        unmatched = int(official.locator("#match-preview").get_attribute("data-unmatched-cents") or "0")
        assert unmatched >= 1250
        official.locator("details[data-testid=match] summary").click()
        official.get_by_label("Up to (cap)").fill("1,5")
        preview = official.locator("#match-preview")
        expect(preview).to_contain_text("The city would add EUR 1.50 for the EUR")
        expect(preview).to_contain_text("the cap holds it below 1:1")
        expect(preview).to_contain_text("a later match will not add the other")
        expect(preview).to_have_class(re.compile(r"match-preview--capped"))
        official.screenshot(path=str(ARTIFACTS / "match-preview-capped-phone.png"), full_page=True)

        official.get_by_label("Up to (cap)").fill("100000")
        expect(preview).not_to_have_class(re.compile(r"match-preview--capped"))
        expect(preview).not_to_contain_text("cap holds")
        official.get_by_label("Up to (cap)").fill("ten")
        expect(preview).to_be_hidden()
    finally:
        resident.context.close()
        official.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
