"""On a phone: a group admin creates a round with a closing time and a minimum turnout, opens voting
through its confirmation step, closes it by hand below the minimum; the tally is held until the city
official releases it; the admin's tally is provisional. axe finds nothing serious on these pages."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, Page, expect

from app.models.timestamps import utcnow
from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import DEMO_RESIDENT, LiveServer
from tests.browser.test_funding_flow import OFFICIAL
from tests.live_api import api_token, free_pool


def check_page(page: Page) -> None:
    assert serious_violations(page) == []


def test_a_held_tally_waits_for_the_official_on_phones(
    live_server: LiveServer, browser: Browser, artifacts
) -> None:
    base = live_server.url
    shots = artifacts / "round-windows"
    shots.mkdir(exist_ok=True)
    admin = new_phone_page(browser)
    official = new_phone_page(browser)
    closes = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)

    free_pool(base, 1, api_token(base, OFFICIAL, "demo-password"))  # a pool runs one round at a time
    log_in(admin, base, DEMO_RESIDENT)  # the treasurer (admin) of the demo's first group
    admin.goto(f"{base}/groups/1/rounds")
    admin.get_by_label("Name").fill("Dated round")
    admin.get_by_label("Problems on the ballot").fill("3")
    admin.get_by_label("Voting closes at (UTC time, optional)").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_label("Minimum turnout (ballots, optional)").fill("3")
    check_page(admin)
    admin.screenshot(path=str(shots / "new-round-phone.png"), full_page=True)
    press(admin, "Create round")
    expect(admin.locator("h1")).to_have_text("Dated round")
    expect(admin.get_by_test_id("closes-at")).to_contain_text(closes.strftime("%Y-%m-%d %H:%M"))
    expect(admin.get_by_test_id("min-turnout")).to_contain_text("3 ballots")
    round_url = admin.url
    rid = int(round_url.rstrip("/").rsplit("/", 1)[1])
    press(admin, "Open pledging")
    confirm(admin, "Open voting", f"until {closes:%Y-%m-%d %H:%M} UTC")
    expect(admin.locator(".timeline__step--current")).to_contain_text("Voting")
    expect(admin.get_by_test_id("below-minimum")).to_contain_text("0 ballots so far")
    confirm(admin, "Close voting now", "can no longer cast or change ballots")
    expect(admin.get_by_test_id("voting-closed")).to_be_visible()
    expect(admin.get_by_test_id("held")).to_contain_text("fewer than this round's minimum of 3")
    expect(admin.get_by_test_id("release")).to_have_count(0)  # the group admin cannot release it
    expect(admin.get_by_test_id("tally")).to_have_count(0)
    assert api_get(live_server, f"/api/v1/rounds/{rid}")["tally_held"] is True

    log_in(official, base, OFFICIAL)
    official.goto(round_url)
    official.locator("details.confirm summary", has_text="Release the tally").click()
    check_page(official)
    official.screenshot(path=str(shots / "held-phone.png"), full_page=True)
    confirm(official, "Release the tally", "still need your certification")
    expect(official.get_by_test_id("held")).to_have_count(0)

    admin.goto(round_url)
    confirm(admin, "Tally", "The result is provisional")
    expect(admin.locator("h1")).to_have_text("What gets funded")
    expect(admin.get_by_test_id("result-status")).to_contain_text("Provisional result")
    assert api_get(live_server, f"/api/v1/rounds/{rid}/results")["status"] == "provisional"
    for page in (admin, official):
        page.context.close()
