"""The dashboard read on a phone and on a laptop. Found from outside: on a phone the priority table showed
four of its columns with no sign of the rest and the charts' labels shrank to about 7 px, then the
charts, kept readable, scrolled with no sign of it; on a laptop the official's name was cut ("Olivia
(city offici...") beside empty room."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import log_in
from tests.browser.live_server import ARTIFACTS, LiveServer
from tests.browser.test_official_flow import laptop_page

OFFICIAL = "official@demo.commonfix.org"


def smallest_chart_text(page: Page) -> float:
    """The height in pixels of the smallest label drawn in the dashboard's charts."""
    return float(
        page.evaluate(
            "() => Math.min(...[...document.querySelectorAll('.chart text')]"
            ".map((t) => t.getBoundingClientRect().height).filter((h) => h > 0))"
        )
    )


def test_on_a_phone_the_tables_say_they_scroll_and_the_charts_stay_readable(
    phone390: Page, live_server: LiveServer
) -> None:
    log_in(phone390, live_server.url, OFFICIAL)
    phone390.goto(live_server.url + "/staff/dashboard")
    expect(phone390.locator(".dash__list .dash__scroll-hint")).to_be_visible()
    expect(phone390.locator(".dash__summary .dash__scroll-hint")).to_be_visible()
    expect(phone390.locator(".dash__scroll-hint--charts")).to_be_visible()  # the charts are cut too
    assert smallest_chart_text(phone390) >= 10  # 11-unit labels at about 0.92 of their size, not 0.65
    chart = phone390.locator(".chart-scroll").first
    assert chart.evaluate("(box) => box.scrollWidth > box.clientWidth")  # it scrolls inside its card
    assert phone390.evaluate("() => document.documentElement.scrollWidth") <= 390  # the page does not
    chart.screenshot(path=str(ARTIFACTS / "dashboard-chart-phone.png"))


def test_on_a_laptop_nothing_scrolls_and_the_name_is_whole(browser: Browser, live_server: LiveServer) -> None:
    errors: list[str] = []
    page = laptop_page(browser, errors)
    log_in(page, live_server.url, OFFICIAL)
    page.goto(live_server.url + "/staff/dashboard")
    expect(page.locator(".dash__scroll-hint")).to_have_count(3)
    for hint in page.locator(".dash__scroll-hint").all():
        expect(hint).to_be_hidden()
    name = page.locator(".nav-user__name")
    assert name.evaluate("(box) => box.scrollWidth <= box.clientWidth"), name.inner_text()
    assert smallest_chart_text(page) >= 10
    page.context.close()
    assert not errors
