"""A resident who has not confirmed their address yet is told what to do, in words and with a link.

Found from outside: Like showed the API's sentence with a path that could not be tapped ("...your
account page (/account/confirm)."), Follow led to a bare "Error 403 / Not allowed" page, and the
confirmation mail promised that likes and follows would wait; later, that the problem page offered
both only to refuse them. Runs against the seeded demo city."""

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

    # The problem page says what to do instead of offering Like and Follow, then refusing them (found
    # from outside); the refusals themselves stay worded for the other places a Like is offered.
    page.goto(base + "/issues/1")
    note = page.get_by_test_id("confirm-to-support")
    expect(note).to_contain_text("Confirm your email address to like and follow problems")
    expect(note.get_by_role("link", name="ask for a new one")).to_have_attribute("href", "/account/confirm")
    expect(page.locator(".issue__actions")).to_have_count(0)
