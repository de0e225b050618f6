"""Issue 19's "Done when" journey on phones: a group admin creates a knapsack round with voting dates
open to the census; an official uploads the area's census; a new resident verifies with the identifier
from the city's letter and votes with the budget bar, which refuses a pick that does not fit; voting
opens and closes on schedule (the round's times moved into the past, as the clock passing would, and
one pass of the schedule run); the group admin's tally is provisional; the official certifies; the
results read in plain sentences; the city admin's audit log lists every step. axe finds nothing serious
on the census upload, verification and ballot pages, which are also shot at phone and laptop size."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from app.models.timestamps import utcnow
from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press, register
from tests.browser.conftest import api_get, new_phone_page, unfunded_open_problems
from tests.browser.live_server import (
    DEMO_PASSWORD,
    LAPTOP,
    PHONE_390,
    LiveServer,
    flask_command,
)
from tests.live_api import api, api_token, free_pool

OFFICIAL = "official@demo.commonfix.org"
CITY_ADMIN = "admin@demo.commonfix.org"
IDENTIFIERS = ("CF-1001-A", "CF-1002-B", "CF-1003-C")


def check_page(page: Page) -> None:
    assert serious_violations(page) == [], page.url


def shoot(browser: Browser, url: str, cookies: list, folder: Path, name: str) -> None:
    """The page as this visitor sees it at laptop size (the phone shot is taken in the journey)."""
    context = browser.new_context(**LAPTOP)
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    page.screenshot(path=str(folder / f"{name}-laptop.png"), full_page=True)
    context.close()


def admin_of(server: LiveServer, group_id: int) -> str:
    """The email of the group's admin, read from the live server's database."""
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as connection:
        row = connection.execute(
            "SELECT users.email FROM users JOIN memberships ON memberships.user_id = users.id "
            "WHERE memberships.group_id = ? AND memberships.is_admin ORDER BY users.id LIMIT 1",
            (group_id,),
        ).fetchone()
    return str(row[0])


def move_round_times_back(server: LiveServer, round_id: int, by: timedelta) -> None:
    """Time passes for the round: its opening and closing times move `by` into the past."""
    path = server.database_url.removeprefix("sqlite:///")
    shift = f"-{int(by.total_seconds())} seconds"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE rounds SET opens_at = strftime('%Y-%m-%d %H:%M:%S.000000', opens_at, ?), "
            "closes_at = strftime('%Y-%m-%d %H:%M:%S.000000', closes_at, ?) WHERE id = ?",
            (shift, shift, round_id),
        )
    flask_command(server.env, "round-schedule")


def cost_candidates(server: LiveServer, area_id: int, budget: int) -> list[int]:
    """The official prices the area's three top problems: two fit the pool together, the third not."""
    token = api_token(server.url, OFFICIAL, DEMO_PASSWORD)
    ids = unfunded_open_problems(server, area_id, 3)
    for issue_id, share in zip(ids, (45, 35, 30), strict=True):
        estimate = {"cost_cents": budget * share // 100}
        api(server.url, "PUT", f"/api/v1/issues/{issue_id}/estimate", estimate, token)
    return ids


def test_a_census_round_from_creation_to_certified_results_on_phones(
    live_server: LiveServer, browser: Browser, artifacts, tmp_path: Path
) -> None:
    base = live_server.url
    shots = artifacts / "census-round"
    shots.mkdir(exist_ok=True)
    listed = api_get(live_server, "/api/v1/groups")["groups"]
    # A group the other journeys leave alone (they use group 1 and the last one listed): its area's
    # costed problems and census stay this test's own.
    group = next(g for g in listed if g["id"] not in (1, listed[-1]["id"]))
    area_id, area_name = group["area"]["id"], group["area"]["name"]
    group_admin = admin_of(live_server, group["id"])
    # A pool runs one round at a time: an earlier journey's round here makes way.
    free_pool(base, group["id"], api_token(base, OFFICIAL, "demo-password"))
    admin = new_phone_page(browser, **PHONE_390)
    official = new_phone_page(browser, **PHONE_390)
    resident = new_phone_page(browser, **PHONE_390)
    errors: list[str] = []
    for page in (admin, official, resident):
        page.on("pageerror", lambda error: errors.append(str(error)))
    opens = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    closes = opens + timedelta(days=2)

    # The group admin (the demo group's treasurer) creates a dated knapsack round for the census.
    log_in(admin, base, group_admin)
    log_in(official, base, OFFICIAL)
    admin.goto(f"{base}/groups/{group['id']}/rounds")
    admin.get_by_label("Name").fill("Census round")
    admin.get_by_label("How members vote", exact=True).select_option("knapsack")
    admin.get_by_label("Problems on the ballot").fill("3")
    admin.get_by_label("Residents verified against the city's census of the area").check()
    admin.get_by_label("Voting opens at (UTC time, optional)").fill(opens.strftime("%Y-%m-%dT%H:%M"))
    admin.get_by_label("Voting closes at (UTC time, optional)").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    check_page(admin)
    admin.screenshot(path=str(shots / "new-round-phone.png"), full_page=True)
    press(admin, "Create round")
    expect(admin.locator("h1")).to_have_text("Census round")
    expect(admin.get_by_test_id("eligibility")).to_contain_text(
        f"Residents verified against {area_name}'s census"
    )
    round_url = admin.url
    admin.locator("details.round-eligibility__change summary").click()
    check_page(admin)
    admin.screenshot(path=str(shots / "round-phone.png"), full_page=True)
    rid = int(round_url.rstrip("/").rsplit("/", 1)[1])
    press(admin, "Open pledging")
    budget = int(admin.get_by_test_id("budget").inner_text().split()[-1].replace(",", "").replace(".", ""))
    ids = cost_candidates(live_server, area_id, budget)

    # The official uploads the area's census (a CSV of identifiers; only salted hashes are kept).
    census_file = tmp_path / "census.csv"
    census_file.write_text(
        "identifier,household\n" + "".join(f"{i},{n}\n" for n, i in enumerate(IDENTIFIERS))
    )
    official.goto(f"{base}/staff/census")
    official.get_by_label("Area", exact=True).select_option(label=area_name)
    official.get_by_label("Census file (CSV with an “identifier” column)").set_input_files(str(census_file))
    check_page(official)
    official.screenshot(path=str(shots / "census-upload-phone.png"), full_page=True)
    press(official, "Upload and replace the area's census")
    expect(official.locator(".flash--success")).to_contain_text("Census uploaded: 3 identifiers")
    expect(official.get_by_test_id(f"census-{area_id}")).to_contain_text("3")
    shoot(browser, f"{base}/staff/census", official.context.cookies(), shots, "census-upload")

    # A new resident (not a member of the group: the census decides) verifies from the ballot page.
    resident.goto(f"{base}/account/register")
    register(resident, live_server, display_name=f"Sam {time.time_ns() % 100000}")
    resident.goto(f"{base}/rounds/{rid}/ballot")
    expect(resident.get_by_test_id("refusal")).to_contain_text(
        f"Only residents verified against {area_name}'s census can vote in this round."
    )
    check_page(resident)
    resident.get_by_role("link", name=f"Verify that you live in {area_name}").click()
    expect(resident.locator("h1")).to_have_text(f"Verify that you live in {area_name}")
    check_page(resident)
    resident.get_by_label("Your identifier").fill("CF-9999-Z")
    press(resident, "Verify")
    expect(resident.locator(".field__error")).to_contain_text(f"not on {area_name}'s census")
    check_page(resident)
    resident.screenshot(path=str(shots / "verify-refused-phone.png"), full_page=True)
    resident.get_by_label("Your identifier").fill("cf 1002 b")  # as typed from the letter
    press(resident, "Verify")
    expect(resident.locator(".flash--success")).to_contain_text(f"You are verified as living in {area_name}")
    expect(resident.locator(".notice")).to_contain_text("Voting has not opened yet.")
    resident.goto(f"{base}/areas/{area_id}/verification")
    expect(resident.get_by_test_id("verified")).to_be_visible()
    resident.screenshot(path=str(shots / "verify-phone.png"), full_page=True)
    shoot(browser, f"{base}/areas/{area_id}/verification", resident.context.cookies(), shots, "verify")

    # A day passes: the schedule opens voting.
    move_round_times_back(live_server, rid, timedelta(days=1, minutes=1))
    assert api_get(live_server, f"/api/v1/rounds/{rid}")["voting_open"] is True
    resident.goto(f"{base}/rounds/{rid}/ballot")
    first, second, third = (resident.locator(f'input[name=issue_ids][value="{i}"]') for i in ids)
    first.check()
    second.check()
    assert int(resident.locator("#ballot-meter").evaluate("m => m.value")) > 0
    expect(resident.locator(f"#fit-{ids[2]}")).to_contain_text("Does not fit")
    third.focus()
    resident.keyboard.press("Space")  # refused in the page: it does not fit beside the other two
    expect(third).not_to_be_checked()
    expect(resident.get_by_test_id("ballot-refusal")).to_contain_text("Not added: ")
    check_page(resident)
    resident.screenshot(path=str(shots / "ballot-phone.png"), full_page=True)
    press(resident, "Save my ballot")
    expect(resident.locator(".flash--success")).to_contain_text("Your ballot is saved")
    shoot(browser, f"{base}/rounds/{rid}/ballot", resident.context.cookies(), shots, "ballot")

    # Two more days: the schedule closes voting; the group admin tallies; the result is provisional.
    move_round_times_back(live_server, rid, timedelta(days=2))
    assert api_get(live_server, f"/api/v1/rounds/{rid}")["voting_closed_at"] is not None
    admin.goto(round_url)
    expect(admin.get_by_test_id("voting-closed")).to_be_visible()
    expect(admin.get_by_test_id("turnout")).to_contain_text("1 of 3 eligible")
    confirm(admin, "Tally", "The result is provisional")
    expect(admin.get_by_test_id("result-status")).to_contain_text("Provisional result")
    expect(admin.get_by_test_id("certify")).to_have_count(0)  # a group admin cannot certify

    # The official certifies; the results read in plain sentences.
    official.goto(f"{base}/rounds/{rid}/results")
    confirm(official, "Certify this result", "posts the allocation")
    expect(official.get_by_test_id("result-status")).to_contain_text("Certified by the city")
    expect(official.locator(".outcome__plain").first).to_contain_text("Funded:")
    expect(official.get_by_test_id("turnout")).to_contain_text("1 of 3 eligible")
    results = api_get(live_server, f"/api/v1/rounds/{rid}/results")
    assert results["status"] == "certified"
    assert results["turnout"] == {"ballots": 1, "members": 3}
    assert sorted(item["issue_id"] for item in results["funded"]) == sorted(ids[:2])

    # The city admin's audit log has every step, with who did it.
    city = new_phone_page(browser, **PHONE_390)
    log_in(city, base, CITY_ADMIN)
    steps = {
        "round.create": "round “Census round”",
        "round.phase": "round “Census round”",
        "census.upload": f"the census of area “{area_name}” (3 entries)",  # by name (found outside)
        "census.verify": f"the census of area “{area_name}”",
        "round.voting_close": "round “Census round”",
        "round.tally": "round “Census round”",
        "round.certify": "round “Census round”",
    }
    for action, target in steps.items():
        city.goto(f"{base}/staff/admin/audit?action={action}")
        expect(city.locator(f'.log-entry[data-action="{action}"]', has_text=target).first).to_be_visible()
    for page in (admin, official, resident, city):
        page.context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"
