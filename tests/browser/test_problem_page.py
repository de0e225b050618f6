"""The problem page on a 390x844 phone: the problem first, Like and Follow side by side with targets of at
least 44 px, the feed behind Subscribe, a duplicate offering no Like; axe finds nothing serious. Runs
against the seeded demo city."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import log_in
from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer


def test_the_problem_page_on_a_phone_leads_with_the_problem_and_keeps_its_targets_apart(
    phone390: Page, live_server: LiveServer
) -> None:
    page = phone390
    log_in(page, live_server.url)
    top = api_get(live_server, "/api/v1/issues?status=open&sort=rank&per_page=1")["features"][0]
    page.goto(top["properties"]["url"])

    title = page.locator("h1.issue__title").bounding_box()
    badge = page.locator(".issue__header .status-badge").bounding_box()
    place = page.locator(".issue__place").bounding_box()
    actions = page.locator(".issue__actions").bounding_box()
    assert title
    assert badge
    assert place
    assert actions
    assert title["y"] < badge["y"] < place["y"] < actions["y"] < 844  # all on the first screen
    like = page.locator(".issue__actions .button--like").bounding_box()
    follow = page.locator(".issue__actions .button--follow").bounding_box()
    subscribe = page.locator(".subscribe__toggle").bounding_box()
    assert like
    assert follow
    assert subscribe
    for target in (like, follow, subscribe):
        assert target["height"] >= 44
    assert abs(like["y"] - follow["y"]) < 4  # side by side
    assert subscribe["y"] >= follow["y"] + follow["height"] + 8  # not on top of Follow
    expect(page.locator(".subscribe__menu")).to_be_hidden()
    page.locator(".subscribe__toggle").tap()
    feed = page.get_by_role("link", name="News feed of this problem's updates")
    expect(feed).to_be_visible()
    assert (feed.get_attribute("href") or "").endswith(f"/feeds/issues/{top['id']}.atom")
    # Found from outside: the update form's card and the facts card below it touched (0 px apart), and
    # "Flag this report" sat 6 px under the map.
    form = page.locator(".update-form").bounding_box()
    facts = page.locator(".facts").bounding_box()
    small_map = page.locator(".issue__side .map-frame").bounding_box()
    flag = page.locator(".issue__side .flag-line").bounding_box()
    assert form
    assert facts
    assert small_map
    assert flag
    assert facts["y"] >= form["y"] + form["height"] + 12
    assert flag["y"] >= small_map["y"] + small_map["height"] + 8
    assert serious_violations(page) == []


def test_a_duplicate_page_points_to_the_original_and_passes_axe(
    phone390: Page, live_server: LiveServer
) -> None:
    page = phone390
    duplicate = api_get(live_server, "/api/v1/issues?status=duplicate&per_page=1")["features"][0]
    page.goto(duplicate["properties"]["url"])

    expect(page.locator(".duplicate-banner")).to_contain_text("closed as a duplicate")
    expect(page.locator(".button--like")).to_have_count(0)
    expect(page.locator(".button--follow")).to_have_count(0)
    assert serious_violations(page) == []
