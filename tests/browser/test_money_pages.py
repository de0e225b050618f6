"""On a phone and a laptop: an official records a payout for a problem the demo's certified round funded,
returns the remainder and marks it fixed; the problem page, the pool's page and the city's transparency
page show allocated, paid and remaining with each payout, and axe finds no serious violation on them.
Runs against the seeded demo city; screenshots go to test-artifacts/money-pages/."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press
from tests.browser.conftest import new_phone_page
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer

OFFICIAL = "official@demo.commonfix.org"


def shoot(page: Page, folder: Any, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert serious_violations(page) == [], name


def test_an_official_pays_for_a_fix_and_everyone_sees_the_money(
    live_server: LiveServer, browser: Browser, artifacts: Any
) -> None:
    base = live_server.url
    shots = artifacts / "money-pages"
    shots.mkdir(exist_ok=True)
    phone = new_phone_page(browser, **PHONE_390)
    laptop = browser.new_context(**LAPTOP).new_page()

    # The city's page lists the problems the demo round funded.
    phone.goto(f"{base}/transparency")
    expect(phone.get_by_role("heading", name="Where the money goes")).to_be_visible()
    expect(phone.get_by_test_id("flow-table")).to_contain_text("Committed to problems")
    link = phone.get_by_test_id("funded-problems").get_by_role("link").first
    issue_id = int(re.sub(r"\D", "", link.get_attribute("href") or ""))
    shoot(phone, shots, "city-phone-before")

    # An official records a payout on the problem's page (phone), then returns the rest.
    log_in(phone, base, OFFICIAL)
    phone.goto(f"{base}/issues/{issue_id}#money")
    form = phone.get_by_test_id("payout-form")
    expect(form).to_be_visible()
    form.get_by_label("Paid to a").select_option("department")
    form.get_by_label("Name of the contractor or department").fill("Parks Department")
    form.get_by_label("Amount paid").fill("10.00")
    form.get_by_label("Invoice reference").fill("PD-2026-118")
    form.get_by_label("Date paid").fill(datetime.now(UTC).date().isoformat())
    shoot(phone, shots, "problem-phone-form")
    press(phone, "Review the payout")
    expect(phone.get_by_test_id("payout-review")).to_contain_text("EUR 10.00")
    expect(phone.get_by_test_id("review-remaining")).to_be_visible()
    shoot(phone, shots, "problem-phone-review")
    press(phone, "Yes, record this payout")
    recorded = "Payout of EUR 10.00 to Parks Department recorded"
    expect(phone.locator(".flash--success")).to_contain_text(recorded)
    expect(phone.get_by_test_id("money-paid")).to_have_text("EUR 10.00")
    expect(phone.get_by_test_id("payouts")).to_contain_text("PD-2026-118")
    shoot(phone, shots, "problem-phone-paid")

    confirm(phone, "Return the remainder", "goes back where the money came from")
    expect(phone.locator(".flash--success")).to_contain_text("returned to where the money came from")
    expect(phone.get_by_test_id("money-remaining")).to_have_text("EUR 0.00")

    # Anyone reads the money on the problem page and on the city's page (laptop).
    laptop.goto(f"{base}/issues/{issue_id}")
    money = laptop.locator("#money")
    expect(money).to_contain_text("Parks Department")
    expect(money).to_contain_text("Returned unspent")
    expect(laptop.get_by_test_id("payout-form")).to_have_count(0)
    money.scroll_into_view_if_needed()
    shoot(laptop, shots, "problem-laptop")
    laptop.goto(f"{base}/transparency")
    expect(laptop.get_by_test_id("funded-problems")).to_contain_text("PD-2026-118")
    shoot(laptop, shots, "city-laptop")
    phone.goto(f"{base}/transparency")
    shoot(phone, shots, "city-phone")
    pool_href = "/pools/1"
    laptop.goto(base + pool_href + "#trail")
    expect(laptop.get_by_role("heading", name="From pledge to payout")).to_be_visible()
    shoot(laptop, shots, "pool-laptop")
    phone.goto(base + pool_href + "#trail")
    shoot(phone, shots, "pool-phone")
    # On a phone every amount of the pool's ledger and of the funded problems is on screen, named by
    # its column, not cut off at the edge of a table that scrolls sideways.
    amounts = phone.locator(".ledger--stack td.num")
    assert amounts.count() > 0
    width = phone.viewport_size["width"] if phone.viewport_size else 390
    for i in range(amounts.count()):
        box = amounts.nth(i).bounding_box()
        if box is not None:  # an empty In or Out cell is not shown
            assert box["x"] >= 0, amounts.nth(i).inner_text()
            assert box["x"] + box["width"] <= width, amounts.nth(i).inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
    laptop.context.close()
    phone.context.close()
