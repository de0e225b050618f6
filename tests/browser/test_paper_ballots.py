"""On a phone and a laptop: an official generates voting codes and prints the slips, two officials enter
paper ballots (one agreed, one disputed and listed for a third look), and a resident types a code on
the ballot page. axe finds nothing serious on the codes, slips, paper and ballot pages; screenshots go
to test-artifacts/paper/.

Runs against the seeded demo city, in the second neighbourhood group (its problems are costed). The
round's eligibility is set in the database directly: choosing it on the round form is another change.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import log_in, press
from tests.browser.conftest import new_phone_page
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer
from tests.live_api import api, api_token, free_pool

OFFICIAL = "official@demo.commonfix.org"
CITY_ADMIN = "admin@demo.commonfix.org"  # an admin is staff: the second official at the table
RESIDENT = "resident7@demo.commonfix.org"


def codes_round(server: LiveServer) -> int:
    """A knapsack round of the second group whose voters hold codes, open for voting (the demo's
    round there, pledging, is cancelled first: a pool runs one round at a time)."""
    token = api_token(server.url, OFFICIAL, "demo-password")
    free_pool(server.url, 2, token)
    terms = {"group_id": 2, "name": "Library vote", "ballot": "approval", "rule": "greedy", "top_n": 4}
    rid = int(api(server.url, "POST", "/api/v1/rounds", terms | {"leftover": "rollover"}, token)["id"])
    database = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(database, timeout=30) as connection:
        connection.execute("UPDATE rounds SET eligibility = 'codes' WHERE id = ?", (rid,))
    for phase in ("pledging", "voting"):
        api(server.url, "POST", f"/api/v1/rounds/{rid}/phase", {"phase": phase}, token)
    return rid


def checked(page: Page, shots: Path, name: str) -> None:
    assert serious_violations(page) == [], name
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def enter(page: Page, base: str, rid: int, code: str, tick: int) -> None:
    page.goto(f"{base}/rounds/{rid}/paper")
    page.get_by_label("Voting code on the ballot").fill(code)
    page.locator("input[name=issue_ids]").nth(tick).check()
    press(page, "Save this entry")


def test_codes_slips_and_double_entry_on_phone_and_laptop(
    live_server: LiveServer, browser: Browser, artifacts
) -> None:
    base = live_server.url
    shots = artifacts / "paper"
    shots.mkdir(exist_ok=True)
    rid = codes_round(live_server)
    official = new_phone_page(browser, **PHONE_390)
    second = browser.new_context(**LAPTOP).new_page()
    resident = new_phone_page(browser, **PHONE_390)

    log_in(official, base, OFFICIAL)
    official.goto(f"{base}/rounds/{rid}")
    official.get_by_role("link", name="Voting codes").click()
    expect(official.locator("h1")).to_have_text("Voting codes")
    official.get_by_label("How many codes").fill("6")
    official.get_by_label("Where they are handed out").fill("Library, Saturday")
    checked(official, shots, "codes-form-phone")
    press(official, "Generate the codes")
    slips = official.get_by_test_id("slip-code")
    expect(slips).to_have_count(6)
    codes = slips.all_inner_texts()
    checked(official, shots, "slips-phone")
    official.goto(f"{base}/rounds/{rid}/codes")
    expect(official.get_by_test_id("issued")).to_have_text("6")
    assert codes[0] not in official.content()  # shown once

    enter(official, base, rid, codes[0], 0)
    expect(official.get_by_test_id("entry-outcome")).to_contain_text("Entry 1 of 2 saved")
    enter(official, base, rid, codes[1], 0)
    enter(official, base, rid, codes[1], 0)  # the same official again: refused, named on the field
    expect(official.locator("#code-error")).to_contain_text("You entered this paper ballot already")
    expect(official.get_by_role("heading", name="Entries waiting for a second official (2)")).to_be_visible()
    checked(official, shots, "paper-waiting-phone")

    log_in(second, base, CITY_ADMIN)
    enter(second, base, rid, codes[0], 0)
    expect(second.get_by_test_id("entry-outcome")).to_contain_text("Both entries agree")
    enter(second, base, rid, codes[1], 1)
    expect(second.get_by_test_id("entry-outcome")).to_contain_text("The two entries disagree")
    expect(second.get_by_role("heading", name="Disagreements: a third look (1)")).to_be_visible()
    expect(second.get_by_test_id("agreed")).to_have_text("1")
    checked(second, shots, "paper-disputed-laptop")
    second.goto(f"{base}/rounds/{rid}/codes")
    expect(second.get_by_test_id("used-paper")).to_have_text("2")
    checked(second, shots, "codes-laptop")

    official.goto(f"{base}/rounds/{rid}/paper")
    checked(official, shots, "paper-disputed-phone")

    log_in(resident, base, RESIDENT)
    resident.goto(f"{base}/rounds/{rid}/ballot")
    resident.get_by_label("Your voting code").fill(codes[0])
    press(resident, "Use this code")
    expect(resident.locator(".flash--error")).to_contain_text("This code was used on a paper ballot")
    checked(resident, shots, "ballot-code-refused-phone")
    resident.get_by_label("Your voting code").fill(codes[2].lower().replace("-", " "))
    press(resident, "Use this code")
    expect(resident.get_by_test_id("code-held")).to_be_visible()
    checked(resident, shots, "ballot-code-accepted-phone")
    for page in (official, second, resident):
        page.context.close()
