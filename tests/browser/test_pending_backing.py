"""The shipped payment provider in the browser: on a 390x844 phone a resident backs a problem and is told
whom to pay with a reference; the city's official confirms the money arrived on the pending-backings page
(a "Yes, ..." step); the problem's progress bar moves. axe finds nothing serious; phone and laptop
screenshots in test-artifacts/cashier/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import confirm, log_in, press
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer, load_demo_city, server_env
from tests.browser.test_backing_page import OFFICIAL, costed_problem
from tests.gunicorn_server import gunicorn
from tests.worker_process import running_worker


@pytest.fixture(scope="module")
def shipped_server(tmp_path_factory: pytest.TempPathFactory, seeded_demo: Path) -> Iterator[LiveServer]:
    """The demo city as `make run` serves it: PAYMENT_PROVIDER is the shipped treasurer-confirmed."""
    workdir = tmp_path_factory.mktemp("cashier-server")
    env = server_env(workdir)
    env.pop("PAYMENT_PROVIDER", None)
    load_demo_city(env, seeded_demo)
    with running_worker(env, workdir / "worker.log"), gunicorn(env, workdir / "server.log", workers=2) as url:
        yield LiveServer(url, env["DATABASE_URL"], env)


def test_a_pending_backing_is_confirmed_by_the_citys_cashier(
    shipped_server: LiveServer, browser: Browser, artifacts: Path
) -> None:
    shots = artifacts / "cashier"
    shots.mkdir(exist_ok=True)
    problem = costed_problem(shipped_server, 30_000)
    resident = new_phone_page(browser, **PHONE_390)
    log_in(resident, shipped_server.url)
    resident.goto(problem["properties"]["url"])
    amount = resident.get_by_label("Amount to back it with (EUR)")
    amount.fill("10.00")
    resident.get_by_role("radio", name="Refund me").check()
    press(resident, "Back this problem")

    expect(resident.get_by_text("Your backing of EUR 10.00 waits for its money")).to_be_visible()
    instructions = resident.get_by_test_id("payment-instructions")
    expect(instructions).to_contain_text("Pay EUR 10.00 with reference CF-B")
    expect(instructions).to_contain_text("city hall cash desk")
    reference = resident.locator(".backing__ref").inner_text()
    bar = resident.get_by_role("progressbar", name="Raised towards the cost")
    expect(bar).to_have_attribute("value", "0")
    expect(resident.get_by_test_id("pending-cents")).to_have_text("EUR 10.00")
    assert serious_violations(resident) == []
    resident.screenshot(path=str(shots / "pending-phone.png"), full_page=True)

    cashier = new_phone_page(browser, **PHONE_390)
    log_in(cashier, shipped_server.url, OFFICIAL)
    cashier.goto(shipped_server.url + "/staff/backings")
    row = cashier.locator(f"#backing-{reference.removeprefix('CF-B')}")
    expect(row).to_contain_text(f"{reference} · EUR 10.00")
    expect(row).to_contain_text(problem["properties"]["title"])
    assert serious_violations(cashier) == []
    row.locator("summary", has_text="Confirm").click()
    assert serious_violations(cashier) == []
    cashier.screenshot(path=str(shots / "cashier-phone.png"), full_page=True)
    confirm(cashier, f"Confirm {reference}: the money arrived", "into the problem's escrow")
    expect(cashier.get_by_text(f"Backing {reference} confirmed: EUR 10.00")).to_be_visible()
    expect(cashier.locator(f"#backing-{reference.removeprefix('CF-B')}")).to_have_count(0)
    assert serious_violations(cashier) == []

    resident.reload()
    expect(bar).to_have_attribute("value", "1000")
    expect(resident.get_by_test_id("backing-words")).to_contain_text("Backed by residents EUR 10.00")
    expect(resident.get_by_test_id("payment-instructions")).to_have_count(0)
    assert serious_violations(resident) == []
    resident.screenshot(path=str(shots / "confirmed-phone.png"), full_page=True)
    funding = api_get(shipped_server, f"/api/v1/issues/{problem['id']}")["properties"]["funding"]
    assert (funding["backed_cents"], funding["pending_cents"]) == (1_000, 0)
    resident.context.close()
    cashier.context.close()

    laptop = browser.new_context(**LAPTOP).new_page()
    log_in(laptop, shipped_server.url, OFFICIAL)
    laptop.goto(shipped_server.url + "/staff/backings")
    expect(laptop.get_by_test_id("pending-backing").first).to_be_visible()  # the demo city's own
    assert serious_violations(laptop) == []
    laptop.screenshot(path=str(shots / "cashier-laptop.png"), full_page=True)
    period_id = api_get(shipped_server, "/api/v1/matching-periods")["periods"][0]["id"]
    problems = api_get(shipped_server, f"/api/v1/matching-periods/{period_id}")["problems"]
    demo_backed = max(problems, key=lambda p: p["match_cents"])["issue_id"]
    laptop.goto(f"{shipped_server.url}/issues/{demo_backed}#backing")
    expect(laptop.get_by_test_id("match-sentence")).to_contain_text("the city adds")
    assert serious_violations(laptop) == []
    laptop.screenshot(path=str(shots / "demo-problem-laptop.png"), full_page=True)
    laptop.context.close()
