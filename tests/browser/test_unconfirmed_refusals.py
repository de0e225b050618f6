"""A resident who has not confirmed their address yet is told what to do, in words and with a link.

Found from outside: Like showed the API's sentence with a path that could not be tapped ("...your
account page (/account/confirm)."), Follow led to a bare "Error 403 / Not allowed" page, and the
confirmation mail promised that likes and follows would wait. Runs against the seeded demo city."""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.actions import log_in
from tests.browser.live_server import LiveServer


def test_an_unconfirmed_resident_gets_a_link_not_a_path(phone390: Page, live_server: LiveServer) -> None:
    base, page = live_server.url, phone390
    page.goto(base + "/account/register")
    address = f"unconfirmed{time.time_ns()}@example.org"
    page.get_by_label("Email").fill(address)
    page.get_by_label("Display name").fill("Not Yet")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    log_in(page, base, address, "a long enough password")

    page.goto(base + "/issues/1")
    page.locator(".like").get_by_role("button", name="Like").click()
    refusal = page.locator(".like__error")
    expect(refusal).to_contain_text("Confirm your email address first")
    expect(refusal).not_to_contain_text("/account/confirm")
    expect(refusal.get_by_role("link", name="get a new link")).to_have_attribute("href", "/account/confirm")

    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address first")
    expect(page.get_by_role("button", name="Send me a new link")).to_be_visible()
