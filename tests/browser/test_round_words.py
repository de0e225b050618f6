"""On a phone: a member fills a knapsack ballot whose budget bar refuses a pick that does not fit, and
reads the results in plain words; axe finds nothing serious on the round, ballot, results and pool pages.

Runs against the seeded demo city, in the last neighbourhood group (the other journeys use the first).
"""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, register, wait_for_map
from tests.browser.conftest import api_get, new_phone_page, unfunded_open_problems
from tests.browser.live_server import LiveServer
from tests.live_api import api, api_token, free_pool

OFFICIAL = "official@demo.commonfix.org"


def meter_value(page: Page) -> int:
    return int(page.locator("#ballot-meter").evaluate("m => m.value"))


def no_serious_violations(page: Page) -> None:
    if page.locator("[data-cf-map]").count():
        wait_for_map(page)
    assert serious_violations(page) == [], page.url


def test_a_knapsack_ballot_refuses_what_does_not_fit_and_results_read_in_words(
    live_server: LiveServer, browser: Browser
) -> None:
    base = live_server.url
    group = api_get(live_server, "/api/v1/groups")["groups"][-1]
    budget = api_get(live_server, f"/api/v1/pools/{group['pool_id']}")["balance_cents"]
    assert budget > 1000, "the demo group's pool holds confirmed pledges"
    token = api_token(live_server.url, OFFICIAL, "demo-password")
    ids = unfunded_open_problems(live_server, group["area"]["id"], 4)
    # Two fit together, the third does not fit beside them, the fourth costs more than the whole pool.
    costs = [budget * 45 // 100, budget * 35 // 100, budget * 30 // 100, budget * 3 // 2]
    for issue_id, cents in zip(ids, costs, strict=True):
        api(live_server.url, "PUT", f"/api/v1/issues/{issue_id}/estimate", {"cost_cents": cents}, token)
    terms = {
        "group_id": group["id"],
        "name": "Words round",
        "ballot": "knapsack",
        "rule": "equalshares/add1",
        "top_n": 4,
        "leftover": "rollover",
    }
    rid = api(live_server.url, "POST", "/api/v1/rounds", terms, token)["id"]

    member = new_phone_page(browser)
    errors: list[str] = []
    member.on("pageerror", lambda error: errors.append(str(error)))
    member.goto(base + "/account/register")
    register(member, live_server, display_name=f"Robin {time.time_ns() % 100000}")
    member.goto(f"{base}/groups/{group['id']}")
    member.get_by_role("button", name=f"Join {group['name']}").click()

    def open_voting(round_id: int) -> None:
        for phase in ("pledging", "voting"):
            api(live_server.url, "POST", f"/api/v1/rounds/{round_id}/phase", {"phase": phase}, token)

    # The other limited ballots: picks left on k-approval, points left on cumulative.
    picks_terms = {**terms, "name": "Picks round", "ballot": "k-approval", "k": 1}
    points_terms = {**terms, "name": "Points round", "ballot": "cumulative", "points": 5}
    # A pool runs one round at a time: each opens, is looked at, and is cancelled for the next.
    picks_round = api(live_server.url, "POST", "/api/v1/rounds", picks_terms, token)["id"]
    open_voting(picks_round)
    member.goto(f"{base}/rounds/{picks_round}/ballot")
    expect(member.get_by_test_id("ballot-tally")).to_have_text("1 pick left (0 of 1 chosen)")
    member.locator(f'input[name=issue_ids][value="{ids[0]}"]').check()
    expect(member.get_by_test_id("ballot-tally")).to_have_text("0 picks left (1 of 1 chosen)")
    expect(member.locator(f"#fit-{ids[1]}")).to_have_text("No picks left: untick one first to choose this.")
    member.locator(f'input[name=issue_ids][value="{ids[1]}"]').focus()
    member.keyboard.press("Space")
    expect(member.locator(f'input[name=issue_ids][value="{ids[1]}"]')).not_to_be_checked()
    free_pool(live_server.url, group["id"], token)
    points_round = api(live_server.url, "POST", "/api/v1/rounds", points_terms, token)["id"]
    open_voting(points_round)
    member.goto(f"{base}/rounds/{points_round}/ballot")
    member.locator(f"#points-{ids[0]}").fill("3")
    expect(member.get_by_test_id("ballot-tally")).to_have_text("2 points left (3 of 5 given)")
    assert meter_value(member) == 3
    member.locator(f"#points-{ids[1]}").fill("4")
    expect(member.get_by_test_id("ballot-tally")).to_have_text("2 points too many: 7 of 5 given")
    member.locator(f"#points-{ids[1]}").fill("-2")
    title = member.locator(f"#points-{ids[1]}").get_attribute("data-title")
    expect(member.get_by_test_id("ballot-tally")).to_have_text(
        f"Points cannot be below 0: give 0 or more to {title}."
    )
    assert meter_value(member) == 1
    no_serious_violations(member)

    free_pool(live_server.url, group["id"], token)

    # Voting opens once the member has joined: members who join later vote in the next round.
    open_voting(rid)
    member.goto(f"{base}/rounds/{rid}")
    no_serious_violations(member)

    member.goto(f"{base}/rounds/{rid}/ballot")
    expect(member.get_by_test_id("ballot-saved")).to_contain_text("Not saved yet")
    expect(member.locator(f'.ballot__item[data-issue="{ids[3]}"]')).to_contain_text(
        "Costs more than the whole pool"
    )
    assert meter_value(member) == 0
    first, second, third, too_dear = (member.locator(f'input[name=issue_ids][value="{i}"]') for i in ids)
    first.check()
    second.check()
    assert meter_value(member) == costs[0] + costs[1]
    expect(member.get_by_test_id("ballot-tally")).to_contain_text("2 problems chosen")
    expect(member.locator(f"#fit-{ids[2]}")).to_contain_text("Does not fit")
    assert third.get_attribute("aria-disabled") == "true"

    # Refused in the page, from the keyboard: the box stays empty and the bar does not move.
    third.focus()
    member.keyboard.press("Space")

    expect(third).not_to_be_checked()
    expect(member.get_by_test_id("ballot-refusal")).to_contain_text("Not added: ")
    expect(member.get_by_test_id("ballot-refusal")).to_contain_text("Does not fit")
    assert meter_value(member) == costs[0] + costs[1]
    too_dear.click(force=True)  # a tap (Playwright would wait for an aria-disabled box to be enabled)
    expect(too_dear).not_to_be_checked()
    second.uncheck()  # once money is free again, the third fits
    assert third.get_attribute("aria-disabled") == "false"
    expect(member.get_by_test_id("ballot-saved")).to_contain_text("Changes not saved yet")
    second.check()
    no_serious_violations(member)
    member.get_by_role("button", name="Save my ballot").click()
    expect(member.locator(".flash--success")).to_contain_text("Your ballot is saved")
    expect(member.get_by_test_id("ballot-saved")).to_contain_text("Saved")
    expect(first).to_be_checked()

    official = new_phone_page(browser)
    log_in(official, base, OFFICIAL)
    official.goto(f"{base}/rounds/{rid}")
    confirm(official, "Close voting and tally", "a city official certifies it")
    expect(official.locator("h1")).to_have_text("What gets funded")
    official.context.close()

    member.goto(f"{base}/rounds/{rid}/results")
    expect(member.get_by_test_id("rule")).to_contain_text(
        "Method of Equal Shares, the proportional rule used by Wieliczka and Aarau"
    )
    funded = member.locator(f'.outcome--funded[data-issue="{ids[0]}"]')
    expect(funded.locator(".outcome__plain")).to_contain_text("Funded: its one supporter paid the EUR")
    expect(member.locator(f'.outcome--unfunded[data-issue="{ids[3]}"]')).to_contain_text(
        "more than the whole EUR"
    )
    expect(member.get_by_test_id("your-part")).to_contain_text("Your share helped fund")
    trace = funded.locator("details")
    expect(trace.locator("p").first).not_to_be_visible()
    trace.locator("summary").click()
    expect(trace).to_contain_text("The engine's own words")
    for text in member.locator(".outcome__plain").all_inner_texts():
        assert "cents" not in text, text
        assert "rho" not in text, text
    no_serious_violations(member)
    pin = member.locator(".cf-pin--funded").first
    assert (pin.get_attribute("aria-label") or "").startswith("Funded: ")

    member.goto(f"{base}/pools/{group['pool_id']}")
    expect(member.get_by_test_id("treasurer")).to_contain_text("confirms each pledge")
    # The round holding the pool (the knapsack round, provisional) rolls its leftover over.
    expect(member.get_by_test_id("unspent")).to_contain_text("In the round “Words round”")
    expect(member.get_by_test_id("unspent")).to_contain_text("rolls over")
    no_serious_violations(member)
    member.goto(f"{base}/rounds/rules")
    no_serious_violations(member)
    member.context.close()
    assert not errors, errors
