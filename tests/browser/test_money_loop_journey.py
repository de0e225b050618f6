"""Issue 18's whole loop on a 390x844 phone: an official opens a matching period and prices a problem;
three residents like it and back it with different amounts; the problem page shows the progress bar and
the city's match in one sentence; the official closes the period (confirmation step), the match is
posted and the problem is funded and planned; the official records a payout and marks it fixed; each
backer got the funded, paid and fixed mails (the worker's .eml outbox); the city's transparency page and
its CSV trace every cent. axe finds nothing serious on the problem, period and transparency pages.
Runs against its own seeded demo city with the test payment provider. Screenshots: test-artifacts/loop/.
"""

# ruff: noqa: F811  (fixtures are imported, then requested by name)
from __future__ import annotations

import csv
import email
import email.policy
import io
import time
import urllib.request
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import DEMO_PASSWORD, PHONE_390, LiveServer
from tests.browser.test_backing_page import OFFICIAL, backing_server, costed_problem  # noqa: F401

RESIDENTS = [f"resident{n}@demo.commonfix.org" for n in (1, 2, 3)]
GIFTS = ["10.00", "20.00", "5.00"]  # 3,500 cents from three neighbours
# (sqrt(1000) + sqrt(2000) + sqrt(500))^2 - 3500 = 6,242 cents, held to the period's 40.00 per problem:
# the 35.00 backed and the 40.00 match are exactly the cost, so the close funds the problem.
COST_CENTS = 7_500


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    assert serious_violations(page) == [], name


def subjects_by_recipient(server: LiveServer, wanted: int, timeout: float = 30.0) -> dict[str, list[str]]:
    """Each recipient's mail subjects from the worker's outbox, waiting until `wanted` backers' mails
    (funded, paid, fixed) have all arrived."""
    outbox = Path(server.env["MAIL_OUTBOX_DIR"])
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, list[str]] = defaultdict(list)
        for path in sorted(outbox.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            found[str(message["To"])].append(str(message["Subject"]))
        done = sum(1 for r in RESIDENTS for s in found[r] if s.split(":")[0] in ("Funded", "Paid", "Fixed"))
        if done >= wanted or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def ledger_rows(server: LiveServer) -> list[dict[str, Any]]:
    with urllib.request.urlopen(server.url + "/transparency/ledger.csv", timeout=30) as response:
        return list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))


def test_three_neighbours_back_a_problem_the_city_matches_it_and_the_money_is_traced_to_the_fix(
    backing_server: LiveServer, browser: Browser, artifacts: Path
) -> None:
    base = backing_server.url
    shots = artifacts / "loop"
    shots.mkdir(exist_ok=True)
    official = new_phone_page(browser, **PHONE_390)
    log_in(official, base, OFFICIAL)

    # 1. The official prices the most-liked open problem and opens a matching period for its
    # neighbourhood (the demo city's own campaign is city-wide; periods of one place never overlap).
    problem = costed_problem(backing_server, COST_CENTS)
    problem_url = problem["properties"]["url"]
    issue_id = int(problem["id"])
    official.goto(f"{base}/matching-periods/new")
    official.get_by_label("Neighbourhood").select_option(value=str(problem["properties"]["area_id"]))
    closes = (datetime.now(UTC) + timedelta(days=14)).replace(second=0, microsecond=0)
    official.get_by_label("Name").fill("Spring campaign")
    deadline = official.get_by_label("Closes at (UTC time): the campaign deadline")
    deadline.fill(closes.strftime("%Y-%m-%dT%H:%M"))
    official.get_by_label("City's fund").fill("1000.00")
    official.get_by_label("Most match per problem").fill("40.00")
    official.get_by_label("Most one resident may back a problem with").fill("50.00")
    shoot(official, shots, "01-period-new")
    press(official, "Create matching period")
    expect(official.locator("h1")).to_have_text("Spring campaign")
    period_url = official.url

    # 2. Three residents like the problem and back it with different amounts.
    for number, (address, gift) in enumerate(zip(RESIDENTS, GIFTS, strict=True), start=1):
        page = new_phone_page(browser, **PHONE_390)
        log_in(page, base, address, DEMO_PASSWORD)
        page.goto(problem_url)
        like = page.locator("button.button--like")
        if like.inner_text() == "Like":
            like.click()
            page.wait_for_load_state()
        expect(page.locator("button.button--like")).to_have_text("Unlike")
        page.get_by_label("Amount to back it with (EUR)").fill(gift)
        page.get_by_role("radio", name="Refund me").check()
        press(page, "Back this problem")
        expect(page.get_by_text(f"You back this problem with EUR {gift}")).to_be_visible()
        shoot(page, shots, f"02-backed-by-resident-{number}")
        page.context.close()

    # 3. The problem page: the progress bar, the figures and the city's match in one sentence.
    viewer = new_phone_page(browser, **PHONE_390)
    viewer.goto(problem_url + "#backing")
    bar = viewer.get_by_role("progressbar", name="Raised towards the cost")
    expect(bar).to_have_attribute("value", "3500")
    expect(bar).to_have_attribute("max", str(COST_CENTS))
    expect(viewer.get_by_test_id("backers")).to_have_text("3")
    expect(viewer.get_by_test_id("backing-words")).to_have_text(
        "Backed by residents EUR 35.00 · cost EUR 75.00", use_inner_text=True
    )
    expect(viewer.get_by_test_id("match-sentence")).to_contain_text(
        "3 neighbours backed this; the city adds EUR 40.00, the most one problem can get in this period"
    )
    shoot(viewer, shots, "03-problem-backed")

    # 4. The official closes the period through its confirmation step: the match is posted and the
    # problem, now fully funded, is planned.
    official.goto(period_url)
    expect(official.get_by_test_id("sentence")).to_contain_text("3 neighbours backed this")
    shoot(official, shots, "04-period-open")
    confirm(official, "Close this matching period now", "It cannot be undone")
    expect(official.get_by_test_id("period-state")).to_contain_text("Closed on")
    expect(official.locator(".flash--success")).to_contain_text("the match was posted for 1 problem.")
    shoot(official, shots, "05-period-closed")
    funding = api_get(backing_server, f"/api/v1/issues/{issue_id}")["properties"]
    assert funding["status"] == "planned", funding["status"]
    figures = funding["funding"]
    assert (figures["backed_cents"], figures["match_cents"], figures["backers"]) == (3_500, 4_000, 3)
    viewer.reload()
    expect(viewer.locator("#backing h2")).to_have_text("Funded")
    expect(viewer.get_by_test_id("match-sentence")).to_contain_text("the city added EUR 40.00")
    # The campaign's rule planned it, not a person: the timeline names the city.
    expect(viewer.locator(".timeline__item--staff").last).to_contain_text("The city")
    expect(viewer.locator("#backing")).not_to_contain_text("Deadline")
    shoot(viewer, shots, "06-problem-funded")

    # 5. The official records the contractor's payout and marks the problem fixed.
    official.goto(problem_url + "#money")
    form = official.get_by_test_id("payout-form")
    form.get_by_label("Paid to a").select_option("contractor")
    form.get_by_label("Name of the contractor or department").fill("Street Works Ltd")
    form.get_by_label("Amount paid").fill("75.00")
    form.get_by_label("Invoice reference").fill("SW-2026-042")
    form.get_by_label("Date paid").fill(datetime.now(UTC).date().isoformat())
    press(official, "Review the payout")
    expect(official.get_by_test_id("payout-review")).to_contain_text("Street Works Ltd")
    press(official, "Yes, record this payout")
    expect(official.get_by_test_id("money-paid")).to_have_text("EUR 75.00")
    expect(official.get_by_test_id("money-remaining")).to_have_text("EUR 0.00")
    shoot(official, shots, "07-problem-paid")
    panel = official.locator(
        "details.staff-panel__group", has=official.locator("summary", has_text="Change status")
    )
    panel.get_by_label("New status").select_option("fixed")
    panel.get_by_label("Public note").fill("Resurfaced by Street Works Ltd.")
    press(official, "Change status")
    expect(official.locator(".flash--success")).to_be_visible()
    assert api_get(backing_server, f"/api/v1/issues/{issue_id}")["properties"]["status"] == "fixed"
    shoot(official, shots, "08-problem-fixed")

    # 6. Each backer got the funded, paid and fixed mails, once each.
    title = problem["properties"]["title"]
    mail = subjects_by_recipient(backing_server, wanted=3 * len(RESIDENTS))
    for address in RESIDENTS:
        for subject in (f"Funded: “{title}”", f"Paid: “{title}”", f"Fixed: “{title}”"):
            assert mail[address].count(subject) == 1, (address, subject, mail[address])

    # 7. The city's transparency page and its CSV trace every cent: what the residents and the city put
    # into this problem is what was paid for its fix.
    rows = [r for r in ledger_rows(backing_server) if r["issue_id"] == str(issue_id)]
    by_kind: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        side = "resident" if r["account"].startswith("resident:") else r["account"].split(":")[0]
        by_kind[(r["kind"], side)] += int(r["amount_cents"])
    assert by_kind[("backing", "resident")] == -3_500
    assert by_kind[("qf_match", "city")] == -4_000
    assert by_kind[("payout", "payee")] == 7_500
    assert sum(int(r["amount_cents"]) for r in rows) == 0
    viewer.goto(f"{base}/transparency")
    expect(viewer.get_by_test_id("flow-table")).to_contain_text("Paid")
    funded = viewer.get_by_test_id("funded-problems").locator("tr", has_text=title)
    expect(funded).to_contain_text("EUR 75.00")
    expect(funded).to_contain_text("SW-2026-042")
    shoot(viewer, shots, "09-transparency")
    viewer.goto(period_url)
    shoot(viewer, shots, "10-period-public")
    viewer.context.close()
    official.context.close()
