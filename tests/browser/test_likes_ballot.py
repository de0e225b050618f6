"""On phones: a likes round. Two new members like problems, voting opens, each ballot shows their likes;
one member adds a candidate on the ballot page with the keyboard; the admin closes voting and tallies
with Equal Shares, and the results count the likes as ballots. axe finds nothing serious."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press, register
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import DEMO_RESIDENT, LAPTOP, PHONE_390, LiveServer
from tests.browser.test_funding_flow import OFFICIAL, cost_three_problems
from tests.live_api import api_token, free_pool


def join_and_like(page: Page, server: LiveServer, group: dict, issue_id: int) -> None:
    base = server.url
    page.goto(base + "/account/register")
    register(page, server, display_name=f"Liker {time.time_ns() % 100000}")
    page.goto(f"{base}/groups/{group['id']}")
    page.get_by_role("button", name=f"Join {group['name']}").click()
    page.goto(f"{base}/issues/{issue_id}")
    page.get_by_role("button", name="Like", exact=True).click()
    expect(page.get_by_role("button", name="Unlike", exact=True)).to_be_visible()


def test_likes_are_the_ballot_on_phones(live_server: LiveServer, browser: Browser, artifacts) -> None:
    base = live_server.url
    shots = artifacts / "likes-ballot"
    shots.mkdir(exist_ok=True)
    listed = api_get(live_server, "/api/v1/groups")
    group = next(g for g in (listed["groups"] if isinstance(listed, dict) else listed) if g["id"] == 1)
    # A pool runs one round at a time: an earlier journey's round here makes way.
    free_pool(base, group["id"], api_token(base, OFFICIAL, "demo-password"))
    admin, first, second = (new_phone_page(browser, **PHONE_390) for _ in range(3))
    errors: list[str] = []
    for page in (admin, first, second):
        page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(admin, base, DEMO_RESIDENT)  # the treasurer (admin) of the demo's first group
    admin.goto(f"{base}/groups/{group['id']}/rounds")
    admin.get_by_label("Name").fill("Likes round")
    admin.get_by_label("How members vote", exact=True).select_option("likes")
    hint = admin.locator("#ballot-hint")
    expect(hint).to_contain_text("likes among the candidates are their ballot")
    admin.get_by_label("Problems on the ballot").fill("3")
    assert serious_violations(admin) == []
    admin.screenshot(path=str(shots / "new-round-phone.png"), full_page=True)
    press(admin, "Create round")
    expect(admin.locator("h1")).to_have_text("Likes round")
    round_url = admin.url
    rid = int(round_url.rstrip("/").rsplit("/", 1)[1])
    press(admin, "Open pledging")
    budget = int(admin.get_by_test_id("budget").inner_text().split()[-1].replace(",", "").replace(".", ""))
    cost_three_problems(live_server, group["area"]["id"], budget)
    # The live ranking (other tests on this server may have priced or funded problems of the area too).
    live = api_get(live_server, f"/api/v1/rounds/{rid}/candidates")["candidates"]
    top = [c["issue_id"] for c in live]

    # Members like problems before voting opens.
    join_and_like(first, live_server, group, top[0])
    join_and_like(second, live_server, group, top[1])

    admin.goto(round_url)
    confirm(admin, "Open voting", "cannot change afterwards")
    listed_now = api_get(live_server, f"/api/v1/rounds/{rid}/candidates")["candidates"]
    candidates = [c["issue_id"] for c in listed_now]
    assert set(top[:2]) <= set(candidates)
    count = len(candidates)

    # The ballot shows each member's likes; the first adds a candidate with the keyboard.
    first.goto(round_url)
    first.get_by_role("link", name="Vote").click()
    counted = first.get_by_test_id("likes-count")
    expect(counted).to_contain_text(f"Your likes count as your vote: 1 of the {count}")
    expect(first.locator(f"#candidate-{top[0]}")).to_contain_text("On your ballot: you like this.")
    assert serious_violations(first) == []
    first.screenshot(path=str(shots / "ballot-phone.png"), full_page=True)
    extra = next(i for i in candidates if i != top[0])
    button = first.locator(f"#candidate-{extra}").get_by_role("button")
    expect(button).to_have_text("Like it: add to my ballot")
    button.focus()
    first.keyboard.press("Enter")
    first.wait_for_load_state()
    expect(first.locator(".flash--success")).to_contain_text(f"2 of the {count} candidates")
    expect(first.get_by_test_id("likes-count")).to_contain_text(f"2 of the {count}")
    toggled = first.locator(f"#candidate-{extra}").get_by_role("button")
    expect(toggled).to_have_text("Remove from my ballot")
    expect(toggled).to_be_focused()  # back on the same card's button
    assert serious_violations(first) == []
    first.screenshot(path=str(shots / "ballot-after-toggle-phone.png"), full_page=True)
    laptop = browser.new_context(**LAPTOP)
    laptop.add_cookies(first.context.cookies())
    wide = laptop.new_page()
    wide.goto(f"{base}/rounds/{rid}/ballot")
    assert serious_violations(wide) == []
    wide.screenshot(path=str(shots / "ballot-laptop.png"), full_page=True)
    laptop.close()
    first.goto(f"{base}/issues/{extra}")  # the ballot's change is a like on the problem page
    expect(first.get_by_role("button", name="Unlike", exact=True)).to_be_visible()

    second.goto(f"{base}/rounds/{rid}/ballot")
    expect(second.get_by_test_id("likes-count")).to_contain_text(f"1 of the {count}")

    # The admin closes voting and tallies: the likes are the ballots, Equal Shares decides.
    admin.goto(round_url)
    confirm(admin, "Close voting and tally", "a city official certifies it")
    expect(admin.locator("h1")).to_have_text("What gets funded")
    results = api_get(live_server, f"/api/v1/rounds/{rid}/results")
    assert results["rule"] == "equalshares/add1"
    assert results["turnout"]["ballots"] >= 2
    for item in results["funded"]:
        expect(admin.locator(f'.outcome--funded[data-issue="{item["issue_id"]}"]')).to_contain_text(
            item["explanation"]
        )
    assert serious_violations(admin) == []
    admin.screenshot(path=str(shots / "results-phone.png"), full_page=True)

    first.goto(f"{base}/rounds/{rid}/ballot")
    expect(first.get_by_test_id("ballot-closed")).to_contain_text("Voting is closed")
    expect(first.get_by_test_id("likes-count")).to_contain_text(f"2 of the {count}")
    expect(first.get_by_role("button", name="Remove from my ballot")).to_have_count(0)
    assert serious_violations(first) == []
    first.screenshot(path=str(shots / "ballot-closed-phone.png"), full_page=True)
    for page in (admin, first, second):
        page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
