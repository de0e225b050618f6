"""On a laptop: an official filters the dashboard to one area, sees the charts and maps, marks a duplicate,
bulk-acknowledges five problems and exports CSV; a resident following one of them gets the email (read
from the outbox folder) and sees the change on the problem's timeline. Runs against the seeded demo city."""

from __future__ import annotations

import csv
import email
import email.policy
import io
import time
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import log_in
from tests.browser.conftest import api_get
from tests.browser.live_server import DEMO_RESIDENT, DESKTOP, LiveServer

OFFICIAL = "official@demo.commonfix.org"
NOTE = "Seen by the city: a crew is scheduled."


def laptop_page(browser: Browser, errors: list[str]) -> Page:
    context = browser.new_context(**DESKTOP, accept_downloads=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def busiest_area(server: LiveServer) -> tuple[int, str, list[int]]:
    """The area with the most problems still "new", and those problems, most liked first."""
    features = api_get(server, "/api/v1/issues?status=new&sort=rank&per_page=100")["features"]
    counts = Counter(f["properties"]["area_id"] for f in features)
    area_id = counts.most_common(1)[0][0]
    name = next(f["properties"]["area"] for f in features if f["properties"]["area_id"] == area_id)
    ids = [f["properties"]["id"] for f in features if f["properties"]["area_id"] == area_id]
    assert len(ids) >= 7, "the demo city should have enough new problems in its busiest area"
    return area_id, name, ids


def emails_to(folder: Path, address: str, since: float) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")):
        if path.stat().st_mtime < since:
            continue
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if message["To"] == address:
            found.append(message)  # type: ignore[arg-type]
    return found


def test_an_official_works_the_dashboard_on_a_laptop(
    live_server: LiveServer, browser: Browser, artifacts: Any
) -> None:
    base = live_server.url
    started = time.time() - 1
    area_id, area_name, new_ids = busiest_area(live_server)
    original, duplicate, *rest = new_ids
    batch = rest[:5]
    followed = batch[0]
    errors: list[str] = []

    # A resident follows one of the problems the official is about to acknowledge.
    resident = laptop_page(browser, errors)
    log_in(resident, base, DEMO_RESIDENT)
    resident.goto(f"{base}/issues/{followed}")
    resident.get_by_role("button", name="Follow", exact=True).click()
    expect(resident.locator(".flash--success")).to_contain_text("You follow this problem")

    # The official filters the priority dashboard to one area.
    page = laptop_page(browser, errors)
    log_in(page, base, OFFICIAL)
    page.goto(f"{base}/staff/dashboard")
    expect(page.get_by_role("heading", name="Priority dashboard")).to_be_visible()
    page.get_by_label("Area", exact=True).select_option(str(area_id))
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(f"**area={area_id}**")
    areas_listed = page.locator(
        ".dash-table:not(.dash-table--summary) tbody td:nth-child(4)"
    ).all_inner_texts()
    assert areas_listed
    assert set(areas_listed) == {area_name}
    expect(page.locator(".dash-table--summary tr.is-selected")).to_contain_text(area_name)

    # Charts (inline SVG) and both maps (folium on the vendored Leaflet) are on the page.
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(2)
    assert page.locator("svg.chart--columns rect.chart__bar").count() == 26 * 2
    expect(page.locator("svg.chart--bars")).to_contain_text("days")
    expect(page.locator(".dash-map .leaflet-container")).to_have_count(2)
    expect(page.locator(".dash-map").first.locator("path.leaflet-interactive").first).to_be_visible()
    expect(page.locator(".dash-map").nth(1).locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    page.screenshot(path=str(artifacts / "official-dashboard-laptop.png"), full_page=True)

    # Mark a duplicate from the problem page's staff panel (part A's form).
    page.goto(f"{base}/issues/{duplicate}")
    page.locator("summary", has_text="Mark as duplicate").first.click()
    page.get_by_label("Or type the original's number").fill(f"#{original}")  # as the app writes numbers
    page.get_by_test_id("mark-duplicate").click()  # it cannot be undone: a review first
    expect(page.get_by_test_id("duplicate-review")).to_contain_text(f"#{original}")
    page.screenshot(path=str(artifacts / "official-duplicate-review-laptop.png"), full_page=True)
    page.get_by_role("button", name=f"Yes, close #{duplicate} as a duplicate of #{original}").click()
    expect(page.locator(".flash--success")).to_contain_text("Closed as a duplicate")
    expect(page.locator(".duplicate-note")).to_contain_text(f"problem #{original}")

    # Bulk-acknowledge five problems with one note.
    page.goto(f"{base}/staff/dashboard?area={area_id}&status=new&sort=rank")
    for issue_id in batch:
        page.locator(f"#pick-{issue_id}").check()
    page.get_by_label("New status").select_option("acknowledged")
    page.get_by_label("Public note for every selected issue").fill(NOTE)
    page.get_by_role("button", name="Change status of selected").click()
    page.get_by_role("button", name="Yes, change 5 problems").click()
    said = "Status changed for 5 issues to “Acknowledged”: #"
    expect(page.locator(".flash--success")).to_contain_text(said)
    listed_now = [
        int(v) for v in page.locator("input[name=issue_ids]").evaluate_all("els => els.map(e => e.value)")
    ]
    assert not set(batch) & set(listed_now)  # they are no longer "new"

    # Export the area's problems as CSV (a download).
    page.goto(f"{base}/staff/dashboard?area={area_id}")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("commonfix-issues-")
    # The officials' download starts with the byte order mark spreadsheets need ("utf-8-sig" reads it).
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert rows
    assert {r["area"] for r in rows} == {area_name}
    acknowledged = {int(r["id"]) for r in rows if r["status"] == "Acknowledged"}
    assert set(batch) <= acknowledged
    assert all(r["acknowledged"] for r in rows if int(r["id"]) in batch)

    # The resident got the email, with a one-click unsubscribe link, and sees the timeline.
    outbox = Path(live_server.env["MAIL_OUTBOX_DIR"])
    deadline = time.time() + 10
    while not (messages := emails_to(outbox, DEMO_RESIDENT, started)) and time.time() < deadline:
        time.sleep(0.2)
    assert len(messages) == 1, [m["Subject"] for m in messages]
    (message,) = messages
    assert message["Subject"].endswith("is now Acknowledged")
    assert NOTE in message.get_content()
    assert message["List-Unsubscribe"].startswith(f"<{base}/follows/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    resident.goto(f"{base}/issues/{followed}")
    timeline = resident.locator("#timeline")
    expect(timeline).to_contain_text("Status changed from New to Acknowledged")
    expect(timeline).to_contain_text(NOTE)
    resident.screenshot(path=str(artifacts / "official-flow-resident-timeline.png"), full_page=True)
    assert not errors, f"JavaScript errors on the page: {errors}"
