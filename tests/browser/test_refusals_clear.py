"""A refused field stops showing its refusal once it is changed (app/static/js/refusals.js). Found from
outside: after an empty report came back, "Title is required." and "Place the pin" stayed beside the
title then typed and the pin then placed, so the form seemed to refuse what was now right."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.actions import (
    log_in,
    open_ground_near,
    paste_past_limit,
    show_on_map,
    tap_map_at,
    wait_for_map,
)
from tests.browser.live_server import ARTIFACTS, LiveServer
from tests.browser.test_street_search import open_issue_near_willow


def test_each_refusal_goes_once_its_field_is_changed(phone390: Page, live_server: LiveServer) -> None:
    page = phone390
    log_in(page, live_server.url)
    page.goto(live_server.url + "/issues/new")
    wait_for_map(page)
    # Sent as a browser without the page's own check would (report-check.js says these first now:
    # tests/browser/test_report_check.py), so that the server refuses it.
    with page.expect_navigation():
        page.evaluate("HTMLFormElement.prototype.submit.call(document.getElementById('report-form'))")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Title is required.")
    for error in ("#title-error", "#description-error", "#category-error", "#place-error"):
        expect(page.locator(error)).to_be_visible()

    title = page.get_by_label("Title")
    title.fill("Loose paving slab by the bakery")
    expect(page.locator("#title-error")).to_be_hidden()
    expect(summary.get_by_text("Title is required.")).to_be_hidden()
    expect(title).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field--invalid").filter(has=title)).to_have_count(0)  # nor its red bar
    expect(summary).to_be_visible()  # the other refusals still stand, and still say so
    expect(page.locator("#description-error")).to_be_visible()
    expect(page.get_by_label("Description")).to_have_attribute("aria-invalid", "true")

    near = open_issue_near_willow(live_server)
    lon, lat = near["geometry"]["coordinates"]
    show_on_map(page, lat, lon, zoom=17)
    tap_map_at(page, *open_ground_near(page, lat, lon))
    expect(page.locator("#place-status")).to_contain_text("Pin placed")
    expect(page.locator("#place-error")).to_be_hidden()
    expect(page.locator("#place")).not_to_have_class(re.compile(r"\bfield--invalid\b"))

    page.get_by_label("Category").select_option("pothole")
    expect(page.locator("#category-error")).to_be_hidden()
    expect(summary).to_be_visible()
    page.get_by_label("Description").fill("The slab rocks when stepped on.")
    expect(summary).to_be_hidden()  # nothing refused is left as it was
    page.screenshot(path=str(ARTIFACTS / "report-refusals-cleared-phone.png"), full_page=True)


def test_a_pin_put_back_where_it_was_refused_keeps_its_refusal(
    phone390: Page, live_server: LiveServer
) -> None:
    """The page puts a refused pin back on the map (a change of the hidden field): not a correction."""
    page = phone390
    log_in(page, live_server.url)
    page.goto(live_server.url + "/issues/new")
    wait_for_map(page)
    page.get_by_label("Category").select_option("pothole")
    page.get_by_label("Title").fill("Loose paving slab by the bakery")
    page.get_by_label("Description").fill("The slab rocks when stepped on.")
    page.evaluate(
        "document.getElementById('lat').value = '50.9'; document.getElementById('lon').value = '4.1'"
    )
    page.get_by_role("button", name="Submit report").click()
    expect(page.locator("#place-error")).to_be_visible()
    expect(page.locator("[data-report-pin]")).to_be_visible()  # put back on the map
    expect(page.locator("#place-status")).to_contain_text("outside the city")
    expect(page.locator("#place-error")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_visible()


def test_a_title_pasted_past_its_limit_says_it_was_cut(phone390: Page, live_server: LiveServer) -> None:
    """Found from outside: a long title pasted into the report was cut at 120 characters without a word."""
    page = phone390
    log_in(page, live_server.url)
    page.goto(live_server.url + "/issues/new")
    wait_for_map(page)
    title = page.get_by_label("Title")
    count = page.locator("#title ~ .field__count")
    expect(count).to_be_hidden()
    title.focus()
    paste_past_limit(page, "#title", 500, 120)
    expect(count).to_have_text("120 of 120 characters: what you pasted was cut at the limit.")
