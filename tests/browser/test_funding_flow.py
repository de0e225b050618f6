"""On a phone: a resident joins their neighbourhood group and pledges 5.00, the treasurer confirms it, the
city matches 1:1, members vote, the admin tallies, and everyone sees which problems are funded and why;
`flask --app wsgi ledger-check` passes at the end. Runs against the seeded demo city."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press, register
from tests.browser.conftest import api_get, new_phone_page, unfunded_open_problems
from tests.browser.live_server import DEMO_RESIDENT, LiveServer, flask_command
from tests.live_api import api, api_token, free_pool

OFFICIAL = "official@demo.commonfix.org"


def cost_three_problems(server: LiveServer, area_id: int, budget_cents: int) -> list[int]:
    """The official prices the area's three most-liked open problems (not funded yet) so that not all of
    them fit."""
    token = api_token(server.url, OFFICIAL, "demo-password")
    ids = unfunded_open_problems(server, area_id, 3)
    for issue_id, share in zip(ids, (0.6, 0.5, 0.3), strict=True):
        api(
            server.url,
            "PUT",
            f"/api/v1/issues/{issue_id}/estimate",
            {"cost_cents": int(budget_cents * share)},
            token,
        )
    return ids


def test_a_neighbourhood_funds_its_problems_on_phones(
    live_server: LiveServer, browser: Browser, artifacts
) -> None:
    base = live_server.url
    listed = api_get(live_server, "/api/v1/groups")
    # The demo's first group, whose treasurer (admin) is resident1.
    group = next(g for g in (listed["groups"] if isinstance(listed, dict) else listed) if g["id"] == 1)
    gid, pool_id, area_id = group["id"], group["pool_id"], group["area"]["id"]
    free_pool(base, gid, api_token(base, OFFICIAL, "demo-password"))  # a pool runs one round at a time
    resident = new_phone_page(browser)
    treasurer = new_phone_page(browser)
    official = new_phone_page(browser)
    shots = artifacts / "funding-flow"
    shots.mkdir(exist_ok=True)

    # A resident registers, joins their neighbourhood group and pledges 5.00.
    resident.goto(base + "/account/register")
    name = f"Pat {time.time_ns() % 100000}"
    register(resident, live_server, display_name=name)
    resident.goto(f"{base}/groups/{gid}")
    resident.get_by_role("button", name=f"Join {group['name']}").click()
    resident.get_by_label("Amount").fill("5.00")
    press(resident, "Pledge")
    expect(resident.locator(".tag--pending").first).to_be_visible()

    # The treasurer (the group's admin) confirms the money arrived, and opens a round.
    log_in(treasurer, base, DEMO_RESIDENT)
    treasurer.goto(f"{base}/pools/{pool_id}/treasurer")
    confirm(treasurer, f"Confirm EUR 5.00 from {name}", "enters the pool's public ledger")
    expect(treasurer.locator(".flash--success")).to_contain_text("confirmed")
    treasurer.goto(f"{base}/groups/{gid}/rounds")
    treasurer.get_by_label("Name").fill("Phone round")
    treasurer.get_by_label("Problems on the ballot").fill("3")
    press(treasurer, "Create round")
    expect(treasurer.locator("h1")).to_have_text("Phone round")
    round_url = treasurer.url
    press(treasurer, "Open pledging")

    # The city matches 1:1 (applied at the tally to pledges not matched before).
    log_in(official, base, OFFICIAL)
    official.goto(round_url)
    official.get_by_label("City match per amount pledged, as a ratio").fill("1:1")
    press(official, "Set the city match")
    expect(official.locator(".flash--success")).to_contain_text("match pledges 1:1")
    budget = int(official.get_by_test_id("budget").inner_text().split()[-1].replace(",", "").replace(".", ""))
    candidates = cost_three_problems(live_server, area_id, budget)

    # Voting opens; two members vote on their phones.
    treasurer.goto(round_url)
    confirm(treasurer, "Open voting", "cannot change afterwards")
    expect(treasurer.locator(".timeline__step--current")).to_contain_text("Voting")
    for page, picks in ((resident, candidates[1:]), (treasurer, candidates[:1] + candidates[2:])):
        page.goto(round_url)
        page.get_by_role("link", name="Vote").click()
        for issue_id in picks:
            page.locator(f'input[name=issue_ids][value="{issue_id}"]').check()
        expect(page.get_by_test_id("ballot-tally")).to_contain_text(f"{len(picks)} problems chosen")
        press(page, "Save my ballot")
        expect(page.locator(".flash--success")).to_contain_text("Your ballot is saved")
    resident.screenshot(path=str(shots / "ballot-phone.png"), full_page=True)

    # The admin tallies; the results say what is funded and why, provisionally.
    treasurer.goto(round_url)
    confirm(treasurer, "Close voting and tally", "a city official certifies it")
    expect(treasurer.locator("h1")).to_have_text("What gets funded")
    expect(treasurer.get_by_test_id("result-status")).to_contain_text("Provisional result")
    expect(treasurer.get_by_test_id("certify")).to_have_count(0)  # a group admin cannot certify
    results_url = treasurer.url
    rid = int(round_url.rstrip("/").rsplit("/", 1)[1])
    results = api_get(live_server, f"/api/v1/rounds/{rid}/results")
    assert results["match_cents"] > 0
    assert results["funded"], results
    assert results["spent_cents"] + results["leftover_cents"] == results["budget_cents"]

    everyone = new_phone_page(browser)
    everyone.goto(results_url)
    for item in results["funded"]:
        card = everyone.locator(f'.outcome--funded[data-issue="{item["issue_id"]}"]')
        expect(card).to_contain_text(item["explanation"])
        expect(card).to_contain_text("Funded:")
    for item in results["unfunded"]:
        expect(everyone.locator(f'.outcome--unfunded[data-issue="{item["issue_id"]}"]')).to_contain_text(
            item["explanation"]
        )
    expect(everyone.get_by_test_id("turnout")).to_contain_text("2 of")
    expect(everyone.locator("svg.chart")).to_be_visible()
    everyone.screenshot(path=str(shots / "results-phone.png"), full_page=True)
    funded_issue = results["funded"][0]["issue_id"]
    everyone.goto(f"{base}/issues/{funded_issue}")
    expect(everyone.locator(".status-badge")).not_to_contain_text("Planned")  # not before certification

    # The city official certifies: only now is the money posted and the work planned.
    official.goto(round_url)  # the round page shows the same status and actions (the results map is
    # checked by the results page's own work on its pins)
    official.locator("details.confirm summary", has_text="Send the result back").click()
    official.locator("details.confirm summary", has_text="Certify this result").click()
    assert serious_violations(official) == []
    official.screenshot(path=str(shots / "certify-phone.png"), full_page=True)
    official.goto(results_url)
    confirm(official, "Certify this result", "posts the allocation")
    expect(official.get_by_test_id("result-status")).to_contain_text("Certified by the city")
    assert api_get(live_server, f"/api/v1/rounds/{rid}/results")["status"] == "certified"
    everyone.goto(f"{base}/issues/{funded_issue}")
    expect(everyone.locator(".status-badge")).to_contain_text("Planned")

    flask_command(live_server.env, "ledger-check")  # raises unless it exits 0
    for page in (resident, treasurer, official, everyone):
        page.context.close()
