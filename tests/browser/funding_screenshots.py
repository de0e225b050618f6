"""Screenshots of the group and pool pages (phone 390x844, laptop 1280x800): test-artifacts/funding/.

Run from the project root: `.venv/bin/python -m tests.browser.funding_screenshots`. A demo resident who
is in no group joins the first neighbourhood's group and pledges 5.00; its treasurer confirms it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.live_server import ARTIFACTS, DEMO_PASSWORD, chromium_missing, demo_server, launch_options

SIZES = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-GB",
    },
    "laptop": {"viewport": {"width": 1280, "height": 800}, "locale": "en-GB"},
}


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(base_url + "/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page: Page) -> None:
    page.context.clear_cookies()


def take_all(page: Page, base: str, folder: Path, size: str, resident: str) -> None:
    def shoot(name: str) -> None:
        page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)

    page.goto(base + "/groups")
    shoot("groups")
    log_in(page, base, resident)
    page.goto(base + "/groups/1")
    shoot("group-before-join")
    page.get_by_role("button", name="Join").click()
    page.get_by_label("Amount").fill("5.001")
    page.get_by_role("button", name="Pledge").click()
    shoot("pledge-error")
    page.get_by_label("Amount").fill("5.00")
    page.get_by_role("button", name="Pledge").click()
    shoot("group-after-pledge")
    log_out(page)
    log_in(page, base, "resident1@demo.commonfix.org")
    page.goto(base + "/pools/1/treasurer")
    shoot("treasurer")
    page.locator("details.confirm summary", has_text="Confirm EUR 5.00").first.click()
    page.get_by_role("button", name="Yes, confirm EUR 5.00").first.click()
    shoot("treasurer-after-confirm")
    page.goto(base + "/pools/1")
    shoot("pool")
    log_out(page)
    log_in(page, base, "official@demo.commonfix.org")
    page.goto(base + "/groups/new")
    shoot("group-new")
    page.goto(base + "/pools/1/treasurer")
    shoot("treasurer-official")
    log_out(page)


def main() -> int:
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    folder = ARTIFACTS / "funding"
    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="commonfix-funding-") as workdir,
        demo_server(Path(workdir)) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(**launch_options())
        try:
            for n, (size, options) in enumerate(SIZES.items()):
                context = browser.new_context(**options)
                context.set_default_timeout(15_000)
                take_all(context.new_page(), server.url, folder, size, f"resident{55 + n}@demo.commonfix.org")
                context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
