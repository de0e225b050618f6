"""A resident checks the ledger in the browser: /ledger shows the chain's latest hash, the snippet printed
there recomputes it from the downloaded CSV, the pool's page shows the same hash; no serious axe
violation on either page; screenshots at phone and laptop size in test-artifacts/ledger/."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.live_server import LAPTOP, LiveServer


def run_snippet(page: Page, csv_text: str, folder: Path) -> str:
    """What a resident does: copy the code from the page, save the CSV beside it, run it."""
    snippet = page.get_by_test_id("recipe").inner_text()
    (folder / "commonfix-ledger.csv").write_text(csv_text, encoding="utf-8", newline="")
    printed = io.StringIO()
    with contextlib.chdir(folder), contextlib.redirect_stdout(printed):
        exec(compile(snippet, "recipe", "exec"), {})
    return printed.getvalue().strip()


def test_a_resident_verifies_the_ledger_from_the_page(
    live_server: LiveServer, phone390: Page, browser: Browser, artifacts, tmp_path: Path
) -> None:
    shots = artifacts / "ledger"
    shots.mkdir(exist_ok=True)
    phone390.goto(live_server.url + "/ledger")
    expect(phone390.get_by_role("heading", name="Check the ledger yourself")).to_be_visible()
    latest = phone390.get_by_test_id("chain-hash").inner_text()
    postings = int(phone390.get_by_test_id("chain-postings").inner_text().replace(",", ""))
    assert len(latest) == 64
    assert postings > 0  # the demo city's confirmed pledges
    assert serious_violations(phone390) == []
    phone390.screenshot(path=str(shots / "ledger-phone.png"), full_page=True)

    download = phone390.request.get(live_server.url + "/ledger.csv")
    assert download.ok
    assert run_snippet(phone390, download.text(), tmp_path) == f"{postings} postings; latest hash {latest}"

    phone390.goto(live_server.url + "/pools/1")
    expect(phone390.get_by_test_id("chain-tip")).to_contain_text(latest)
    assert serious_violations(phone390) == []
    phone390.get_by_test_id("chain-tip").screenshot(path=str(shots / "pool-chain-tip-phone.png"))

    laptop = browser.new_context(**LAPTOP).new_page()
    laptop.goto(live_server.url + "/ledger")
    assert serious_violations(laptop) == []
    laptop.screenshot(path=str(shots / "ledger-laptop.png"), full_page=True)
    laptop.context.close()
