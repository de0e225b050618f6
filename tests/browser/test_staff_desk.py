"""The official's morning on a phone and a laptop: the inbox, the staff panel at the top of a problem,
a bulk change that keeps its selection and shows its outcome in view, the audit log in words.

axe-core finds no serious or critical violation on the inbox, the dashboard and the audit log at phone
size; screenshots at both sizes land in test-artifacts/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import log_in
from tests.browser.conftest import api_get
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer

OFFICIAL = "official@demo.commonfix.org"
ADMIN = "admin@demo.commonfix.org"
SIZES = {"phone": PHONE_390, "laptop": LAPTOP}


def _page(browser: Browser, size: str, errors: list[str]) -> Page:
    context = browser.new_context(**SIZES[size])
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_inbox_and_the_staff_panel(
    live_server: LiveServer, browser: Browser, artifacts: Any, size: str
) -> None:
    base = live_server.url
    errors: list[str] = []
    page = _page(browser, size, errors)
    log_in(page, base, OFFICIAL)

    page.goto(f"{base}/staff/")
    expect(page.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    for section in ("new", "overdue", "flagged", "mine"):
        expect(page.locator(f'[data-count="{section}"]')).to_be_visible()
    # The demo city has reports older than any target: the overdue section lists them.
    expect(page.locator("#overdue .inbox-item").first).to_be_visible()
    if size == "phone":
        assert serious_violations(page) == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the inbox scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(artifacts / f"staff-inbox-{size}.png"), full_page=True)

    # The staff panel is the first thing under the title of a problem page.
    issue_id = api_get(live_server, "/api/v1/issues?status=open&sort=rank&per_page=1")["features"][0]["id"]
    page.goto(f"{base}/issues/{issue_id}")
    page.screenshot(path=str(artifacts / f"staff-panel-{size}-top.png"))
    panel_top = page.locator("#staff-panel").bounding_box()
    assert panel_top is not None
    assert panel_top["y"] < (page.viewport_size or {"height": 0})["height"] / 2
    page.locator("summary", has_text="Assign").click()
    page.get_by_label("Assigned to").select_option(label="Olivia (city official)")
    page.get_by_role("button", name="Save assignment").click()
    expect(page.get_by_test_id("assigned-to")).to_have_text("Olivia (city official)")
    page.locator("#internal-notes").evaluate("details => { details.open = true; }")  # open once it has notes
    page.get_by_label("Internal note (staff only)").fill(f"Checked on site ({size}).")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".internal-note").last).to_contain_text(f"Checked on site ({size}).")
    page.locator("summary", has_text="Mark as duplicate").first.click()
    expect(page.locator(".duplicate-choices legend")).to_have_text("Open reports nearby")
    page.screenshot(path=str(artifacts / f"staff-panel-{size}.png"))
    page.screenshot(path=str(artifacts / f"staff-panel-{size}-full.png"), full_page=True)

    page.goto(f"{base}/staff/")
    expect(page.locator("#mine .inbox-item", has_text=f"#{issue_id}")).to_be_visible()
    page.context.close()
    assert not errors, errors


def test_a_refused_duplicate_opens_at_the_refused_field(
    live_server: LiveServer, browser: Browser, artifacts: Any
) -> None:
    """Found from outside: a refused "Mark as duplicate…" came back at the top of a long page, the reason
    out of sight under a folded panel. The page opens the panel and scrolls to the refused field."""
    base = live_server.url
    errors: list[str] = []
    page = _page(browser, "phone", errors)
    log_in(page, base, OFFICIAL)
    issue_id = api_get(live_server, "/api/v1/issues?status=open&sort=rank&per_page=1")["features"][0]["id"]
    closed = api_get(live_server, "/api/v1/issues?status=closed&per_page=1")["features"][0]["id"]
    page.goto(f"{base}/issues/{issue_id}")
    page.locator("summary", has_text="Mark as duplicate").first.click()
    page.get_by_label("Or type the original's number").fill(f"#{closed}")
    page.get_by_test_id("mark-duplicate").click()

    refused = page.get_by_label("Or type the original's number")
    expect(refused).to_be_in_viewport()
    expect(refused).to_be_focused()
    expect(page.locator(".field__error", has_text="Choose an open original")).to_be_visible()
    page.screenshot(path=str(artifacts / "staff-duplicate-refused-phone.png"))
    page.context.close()
    assert not errors, errors


def test_a_bulk_change_keeps_its_selection_and_shows_its_outcome_in_view(
    live_server: LiveServer, browser: Browser, artifacts: Any
) -> None:
    base = live_server.url
    errors: list[str] = []
    page = _page(browser, "phone", errors)
    log_in(page, base, OFFICIAL)
    page.goto(f"{base}/staff/dashboard?status=new&sort=oldest")
    assert serious_violations(page) == []
    picks = page.locator("input[name=issue_ids]")
    chosen = [picks.nth(i).get_attribute("value") for i in range(2)]
    for value in chosen:
        page.locator(f"#pick-{value}").check()
    page.get_by_label("New status").select_option("acknowledged")
    page.get_by_role("button", name="Change status of selected").click()  # no note

    expect(page.locator("#bulk-result")).to_contain_text("Note is required")
    expect(page.locator("#bulk-result")).to_be_in_viewport(ratio=1)
    page.screenshot(path=str(artifacts / "staff-bulk-error-phone.png"))
    for value in chosen:
        expect(page.locator(f"#pick-{value}")).to_be_checked()
    page.get_by_label("Public note for every selected issue").fill("Seen by the city.")
    page.get_by_role("button", name="Change status of selected").click()
    # Asked first, beside the list, in view (found from outside: a batch changed at one tap).
    expect(page.locator("#bulk-result")).to_contain_text("Change 2 problems to “Acknowledged”")
    expect(page.locator("#bulk-result")).to_be_in_viewport(ratio=1)
    page.screenshot(path=str(artifacts / "staff-bulk-confirm-phone.png"))
    page.get_by_role("button", name="Yes, change 2 problems").click()
    expect(page.locator("#bulk-result")).to_contain_text("Status changed for 2 issues to “Acknowledged”: #")
    expect(page.locator("#bulk-result")).to_be_in_viewport(ratio=1)
    assert page.evaluate("document.activeElement.id") == "bulk-result"
    page.screenshot(path=str(artifacts / "staff-bulk-result-phone.png"))
    page.context.close()
    assert not errors, errors


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_audit_log_reads_in_words_and_filters(
    live_server: LiveServer, browser: Browser, artifacts: Any, size: str
) -> None:
    base = live_server.url
    errors: list[str] = []
    page = _page(browser, size, errors)
    log_in(page, base, ADMIN)
    # Something of this test's own to find: an internal note, written from the staff panel.
    issue_id = api_get(live_server, "/api/v1/issues?status=open&sort=rank&per_page=1")["features"][0]["id"]
    page.goto(f"{base}/issues/{issue_id}")
    page.locator("#internal-notes").evaluate("details => { details.open = true; }")
    page.get_by_label("Internal note (staff only)").fill("For the audit test.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash--success")).to_contain_text("Internal note added")
    page.goto(f"{base}/staff/admin/audit")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    first = page.locator(".log-entry__words").first
    expect(first).to_be_visible()
    assert "status.change" not in page.locator(".log-list").inner_text()
    page.get_by_label("Action").select_option(label="Internal note")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**action=note.add**")
    actions = page.locator(".log-entry").evaluate_all("els => els.map(e => e.dataset.action)")
    assert actions
    assert set(actions) == {"note.add"}
    expect(page.locator(".log-entry__words").first).to_contain_text(
        f"Adam (city admin) wrote an internal note on #{issue_id}"
    )
    if size == "phone":
        assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / f"staff-audit-{size}.png"), full_page=True)
    page.context.close()
    assert not errors, errors


# The width the chosen option's text needs inside its select (arrow and padding included), against the
# select's own width: a cut option reads "Open (any open st".
FITS = """select => {
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = context.measureText(select.options[select.selectedIndex].text).width;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return text <= room - 16;
}"""


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_dashboard_filters_show_their_whole_choice(
    live_server: LiveServer, browser: Browser, size: str, artifacts: Any
) -> None:
    errors: list[str] = []
    page = _page(browser, size, errors)
    log_in(page, live_server.url, OFFICIAL)
    page.goto(f"{live_server.url}/staff/dashboard?sort=rank")
    cut = [
        select.get_attribute("id")
        for select in page.locator(".dash__filters select").all()
        if not select.evaluate(FITS)
    ]
    page.locator(".dash__filters").screenshot(path=str(artifacts / f"staff-filters-{size}.png"))
    wider = page.locator(".dash__filters").evaluate(
        "form => [...form.querySelectorAll('.field')].some("
        "  f => f.getBoundingClientRect().right > form.getBoundingClientRect().right + 0.5)"
    )
    page.context.close()
    assert cut == [], cut
    assert not wider, "a filter sticks out of the filters box"
    assert not errors, errors


def test_one_box_selects_every_problem_on_the_page(live_server: LiveServer, browser: Browser) -> None:
    """Found from outside: the list's header had no box, so an official ticked up to 50 rows one by one."""
    errors: list[str] = []
    page = _page(browser, "laptop", errors)
    log_in(page, live_server.url, OFFICIAL)
    page.goto(f"{live_server.url}/staff/dashboard?sort=rank")
    every = page.get_by_label("Select every problem on this page")
    rows = page.locator("input.bulk__check[name=issue_ids]")
    assert rows.count() > 2

    every.check()
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    rows.first.uncheck()
    assert every.evaluate("box => box.indeterminate && !box.checked")
    every.check()
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    every.uncheck()
    assert not any(rows.nth(i).is_checked() for i in range(rows.count()))
    assert not errors, errors
