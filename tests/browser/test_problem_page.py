"""The problem page on a 390x844 phone: the problem first, Like and Follow side by side with targets of at
least 44 px, the feed behind Subscribe, a duplicate offering no Like; axe finds nothing serious. Runs
against the seeded demo city."""

from __future__ import annotations

from playwright.sync_api import FloatRect, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import log_in, paste_past_limit
from tests.browser.conftest import api_get
from tests.browser.live_server import LiveServer
from tests.live_api import api, api_token

OFFICIAL = "official@demo.commonfix.org"


def boxes(page: Page, *selectors: str) -> list[FloatRect]:
    """Where each element is on the page, in the order asked; each must be there."""
    found = [page.locator(selector).bounding_box() for selector in selectors]
    assert all(found), dict(zip(selectors, found, strict=True))
    return [box for box in found if box is not None]


def test_the_problem_page_on_a_phone_leads_with_the_problem_and_keeps_its_targets_apart(
    phone390: Page, live_server: LiveServer
) -> None:
    page = phone390
    log_in(page, live_server.url)
    top = api_get(live_server, "/api/v1/issues?status=open&sort=rank&per_page=1")["features"][0]
    page.goto(top["properties"]["url"])

    title, badge, place, actions = boxes(
        page, "h1.issue__title", ".issue__header .status-badge", ".issue__place", ".issue__actions"
    )
    assert title["y"] < badge["y"] < place["y"] < actions["y"] < 844  # all on the first screen
    like, follow, subscribe = boxes(
        page, ".issue__actions .button--like", ".issue__actions .button--follow", ".subscribe__toggle"
    )
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
    form, facts, small_map, flag = boxes(
        page, ".update-form", ".facts", ".issue__side .map-frame", ".issue__side .flag-line"
    )
    assert facts["y"] >= form["y"] + form["height"] + 12
    assert flag["y"] >= small_map["y"] + small_map["height"] + 8
    # Found from outside: flag links were 16 px high, a miss for a thumb.
    (flag_link,) = boxes(page, ".issue__side .flag-link")
    assert flag_link["height"] >= 44
    assert serious_violations(page) == []

    # Found from outside: pasted text past the limit was cut without a word. The box says so.
    text = page.get_by_label("Your update")
    count = page.locator(".update-form .field__count")
    expect(count).to_be_hidden()
    text.fill("x" * 1700)
    expect(count).to_have_text("1,700 of 2,000 characters.")
    text.fill("")
    text.focus()
    paste_past_limit(page, ".update-form textarea", 2500, 2000)
    expect(count).to_have_text("2,000 of 2,000 characters: what you pasted was cut at the limit.")


def test_a_duplicate_page_points_to_the_original_and_passes_axe(
    phone390: Page, live_server: LiveServer
) -> None:
    page = phone390
    # The demo seeds no duplicates (a duplicate comes only with an original): the official merges the
    # two least-liked new reports, as the workspace does.
    newest = api_get(live_server, "/api/v1/issues?status=new&sort=rank&per_page=100")["features"]
    original, duplicate = newest[-1], newest[-2]
    token = api_token(live_server.url, OFFICIAL, "demo-password")
    merge = {"original_id": original["id"], "note": "The same place, reported twice."}
    api(live_server.url, "POST", f"/api/v1/issues/{duplicate['id']}/duplicate-of", merge, token)
    page.goto(duplicate["properties"]["url"])

    expect(page.locator(".duplicate-banner")).to_contain_text("closed as a duplicate")
    expect(page.locator(".button--like")).to_have_count(0)
    expect(page.locator(".button--follow")).to_have_count(0)
    assert serious_violations(page) == []
