"""A report being typed on a phone survives the page being lost (found from outside: a session that
ended before "Submit report" lost the pin and the text). The draft comes back once logged in again,
"Start afresh" drops it, and a sent report leaves no draft behind."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.actions import log_in, open_ground_near, show_on_map, tap_map_at, wait_for_map
from tests.browser.live_server import ARTIFACTS, DEMO_PASSWORD, DEMO_RESIDENT, LiveServer
from tests.browser.test_street_search import open_issue_near_willow

TITLE = "Loose paving slab by the bakery"
DESCRIPTION = "The slab rocks when stepped on; someone will trip."


def start_report(page: Page, server: LiveServer) -> str:
    """Place the pin, choose a category, type a title and a description; the pin's latitude."""
    page.goto(server.url + "/issues/new")
    wait_for_map(page)
    near = open_issue_near_willow(server)
    lon, lat = near["geometry"]["coordinates"]
    show_on_map(page, lat, lon, zoom=17)
    tap_map_at(page, *open_ground_near(page, lat, lon))
    expect(page.locator("#place-status")).to_contain_text("Pin placed")
    page.get_by_label("Category").select_option("pothole")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill(DESCRIPTION)
    return page.locator("#lat").input_value()


def test_a_report_lost_with_the_session_comes_back_after_logging_in(
    phone390: Page, live_server: LiveServer
) -> None:
    log_in(phone390, live_server.url)
    lat = start_report(phone390, live_server)

    phone390.context.clear_cookies()  # the session ends while the resident types
    phone390.get_by_role("button", name="Submit report").click()
    expect(phone390.locator(".error-message")).to_contain_text("your session ended")
    expect(phone390.get_by_text("The report you were typing is kept in this browser")).to_be_visible()
    phone390.get_by_role("link", name="Log in", exact=True).last.click()
    phone390.get_by_label("Email").fill(DEMO_RESIDENT)
    phone390.get_by_label("Password").fill(DEMO_PASSWORD)
    phone390.get_by_role("button", name="Log in").click()
    expect(phone390).to_have_url(re.compile(r"/issues/new$"))  # back where the report was typed

    notice = phone390.locator("#draft-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(
        re.compile(r"typing \(\d.* today\) was not sent: it is filled in again below")
    )
    expect(phone390.get_by_label("Title")).to_have_value(TITLE)
    expect(phone390.get_by_label("Description")).to_have_value(DESCRIPTION)
    expect(phone390.get_by_label("Category")).to_have_value("pothole")
    expect(phone390.locator("#lat")).to_have_value(lat)
    expect(phone390.locator("#place-status")).to_contain_text("Pin placed")
    expect(phone390.locator("[data-report-pin]")).to_be_visible()
    phone390.screenshot(path=str(ARTIFACTS / "report-draft-restored-phone.png"), full_page=True)

    phone390.get_by_role("button", name="Submit report").click()
    expect(phone390).to_have_url(re.compile(r"/issues/\d+$"))  # the #sent that cleared the draft is gone
    expect(phone390.locator(".flash--success")).to_contain_text("Thank you!")
    phone390.goto(live_server.url + "/issues/new")
    wait_for_map(phone390)
    expect(phone390.get_by_label("Title")).to_have_value("")
    expect(phone390.locator("#draft-notice")).to_be_hidden()


def test_start_afresh_drops_the_draft(phone390: Page, live_server: LiveServer) -> None:
    log_in(phone390, live_server.url)
    start_report(phone390, live_server)

    phone390.reload()  # a phone that dropped the page while the camera was open
    expect(phone390.locator("#draft-notice")).to_be_visible()
    expect(phone390.get_by_label("Title")).to_have_value(TITLE)
    phone390.get_by_role("button", name="Start afresh").click()

    wait_for_map(phone390)
    expect(phone390.locator("#draft-notice")).to_be_hidden()
    expect(phone390.get_by_label("Title")).to_have_value("")
    expect(phone390.locator("#lat")).to_have_value("")
    phone390.reload()
    expect(phone390.get_by_label("Description")).to_have_value("")
