"""On a phone, a member who presses "Save my ballot" before choosing anything is asked whether a blank
ballot is meant; nothing is saved until they say so. Found from outside: the tap saved a blank ballot
at once (over a saved one too). The demo's "Spring 2027" round is voting; resident17 has not voted."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from playwright.sync_api import Page, expect

from tests.browser.actions import log_in
from tests.browser.live_server import ARTIFACTS, DEMO_PASSWORD, LiveServer

VOTER = "resident17@demo.commonfix.org"


def voting_round(server: LiveServer) -> int:
    with closing(sqlite3.connect(server.database_url.removeprefix("sqlite:///"))) as connection:
        (round_id,) = connection.execute("SELECT id FROM rounds WHERE name = 'Spring 2027'").fetchone()
    return int(round_id)


def test_a_blank_ballot_is_asked_for_first(phone390: Page, live_server: LiveServer) -> None:
    page = phone390
    log_in(page, live_server.url, VOTER, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/rounds/{voting_round(live_server)}/ballot")
    expect(page.get_by_test_id("ballot-saved")).to_contain_text("Not saved yet")

    page.get_by_role("button", name="Save my ballot").click()
    question = page.get_by_test_id("blank-question")
    expect(question).to_contain_text("You chose no problem")
    expect(question).to_be_in_viewport()
    expect(page.get_by_test_id("ballot-saved")).to_contain_text("Not saved yet")  # nothing was saved
    page.screenshot(path=str(ARTIFACTS / "blank-ballot-question-phone.png"), full_page=True)

    question.get_by_role("button", name="Yes, save a blank ballot").click()
    expect(page.get_by_text("Your ballot is saved with no problem chosen: a blank ballot")).to_be_visible()
    expect(page.get_by_test_id("ballot-saved")).to_contain_text("Saved")
    expect(page.get_by_test_id("blank-question")).to_have_count(0)
