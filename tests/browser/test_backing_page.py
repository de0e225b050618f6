"""Backing a problem on a 390x844 phone, by keyboard: the progress bar and its words, the labelled form
with its example, an error on the field, the backing held and counted; axe finds nothing serious on
either page size. Runs against the seeded demo city with the test payment provider (money at once);
tests/browser/test_pending_backing.py runs the shipped provider's pending path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.accessibility import serious_violations
from tests.browser.actions import log_in
from tests.browser.conftest import api_get, new_phone_page
from tests.browser.live_server import LAPTOP, PHONE_390, LiveServer, load_demo_city, server_env
from tests.gunicorn_server import gunicorn
from tests.live_api import api, api_token
from tests.worker_process import running_worker

OFFICIAL = "official@demo.commonfix.org"


@pytest.fixture(scope="module")
def backing_server(tmp_path_factory: pytest.TempPathFactory, seeded_demo: Path) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("backing-server")
    env = {**server_env(workdir), "PAYMENT_PROVIDER": "test"}
    load_demo_city(env, seeded_demo)
    with running_worker(env, workdir / "worker.log"), gunicorn(env, workdir / "server.log", workers=2) as url:
        yield LiveServer(url, env["DATABASE_URL"], env)


def costed_problem(server: LiveServer, cost_cents: int) -> dict[str, Any]:
    """The official prices the most-liked open problem that has no price yet (the demo city's campaign
    priced and backed a few: app/demo/backing.py)."""
    token = api_token(server.url, OFFICIAL, "demo-password")
    ranked = api_get(server, "/api/v1/issues?status=open&sort=rank&per_page=20")["features"]
    top = next(
        f for f in ranked if api_get(server, f"/api/v1/issues/{f['id']}")["properties"]["funding"] is None
    )
    api(server.url, "PUT", f"/api/v1/issues/{top['id']}/estimate", {"cost_cents": cost_cents}, token)
    return dict(top)


def test_a_resident_backs_a_problem_on_a_phone_by_keyboard(
    backing_server: LiveServer, browser: Browser, artifacts: Path
) -> None:
    problem = costed_problem(backing_server, 40_000)
    page = new_phone_page(browser, **PHONE_390)
    log_in(page, backing_server.url)
    page.goto(problem["properties"]["url"])

    panel = page.locator("#backing")
    expect(panel.get_by_role("heading", name="Money behind this problem")).to_be_visible()
    bar = page.get_by_role("progressbar", name="Raised towards the cost")
    expect(bar).to_have_attribute("max", "40000")
    expect(page.get_by_test_id("backing-words")).to_have_text(
        "Backed by residents EUR 0.00 · cost EUR 400.00", use_inner_text=True
    )
    amount = page.get_by_label("Amount to back it with (EUR)")
    # The demo city's city-wide matching period caps one resident's backing at EUR 50.00.
    expect(amount).to_have_accessible_description(
        "For example 5.00: from EUR 1.00 up to EUR 50.00 from one resident."
    )
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "backing-phone-form.png"), full_page=True)

    # A wrong amount: the message is on the field and read with it; nothing is kept.
    amount.focus()
    page.keyboard.type("5,5x")
    page.get_by_role("button", name="Back this problem").press("Enter")
    expect(page.locator("#amount-error")).to_be_visible()
    expect(page.get_by_label("Amount to back it with (EUR)")).to_have_attribute("aria-invalid", "true")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "backing-phone-error.png"), full_page=True)

    amount = page.get_by_label("Amount to back it with (EUR)")
    amount.fill("")
    amount.focus()
    page.keyboard.type("12.50")
    page.keyboard.press("Tab")  # to the first choice of the fieldset
    page.get_by_role("radio", name="Refund me").check()
    page.get_by_label("Show my name among the backers").check()
    page.get_by_role("button", name="Back this problem").press("Enter")
    expect(page.get_by_text("You back this problem with EUR 12.50")).to_be_visible()
    expect(page.get_by_test_id("backing-words")).to_have_text(
        "Backed by residents EUR 12.50 · cost EUR 400.00", use_inner_text=True
    )
    expect(page.get_by_test_id("backers")).to_have_text("1")
    expect(bar).to_have_attribute("value", "1250")
    assert serious_violations(page) == []
    page.screenshot(path=str(artifacts / "backing-phone-backed.png"), full_page=True)

    funding = api_get(backing_server, f"/api/v1/issues/{problem['id']}")["properties"]["funding"]
    assert (funding["backed_cents"], funding["backers"], funding["cost_cents"]) == (1_250, 1, 40_000)
    page.context.close()

    laptop = browser.new_context(**LAPTOP).new_page()
    log_in(laptop, backing_server.url)
    laptop.goto(problem["properties"]["url"] + "#backing")
    expect(laptop.locator("#backing")).to_be_visible()
    assert serious_violations(laptop) == []
    laptop.screenshot(path=str(artifacts / "backing-laptop.png"), full_page=True)
    laptop.context.close()
