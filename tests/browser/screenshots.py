"""Screenshots of the resident pages at phone and desktop sizes, to look at: test-artifacts/screens/.

Run from the project root: `.venv/bin/python -m tests.browser.screenshots`. It serves the seeded demo
city (no map tiles, as offline) and logs in as a demo resident.
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from tests.browser.actions import log_in, open_ground_near, show_on_map, tap_map_at
from tests.browser.live_server import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    chromium_missing,
    demo_server,
    launch_options,
)


def top_issue(base_url: str) -> dict[str, Any]:
    with urllib.request.urlopen(base_url + "/api/v1/issues?status=open&sort=rank&per_page=1") as response:
        return dict(json.load(response)["features"][0])


def shoot(page: Page, folder: Path, name: str, full_page: bool = False) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path.relative_to(ARTIFACTS.parent))


def take_all(page: Page, base_url: str, folder: Path, size: str) -> None:
    page.goto(base_url + "/")
    page.wait_for_selector(".cf-cluster, .cf-pin")
    shoot(page, folder, f"map-{size}-logged-out")
    log_in(page, base_url)
    page.wait_for_selector(".cf-cluster, .cf-pin")
    page.wait_for_timeout(300)
    shoot(page, folder, f"map-{size}")
    page.locator(".leaflet-marker-icon.cf-cluster").first.click()
    page.wait_for_timeout(600)
    pins = page.locator(".leaflet-marker-icon.cf-pin")
    if pins.count():
        pins.first.click()
        page.wait_for_selector(".cf-popup")
        page.wait_for_timeout(500)
        shoot(page, folder, f"map-{size}-popup")

    issue = top_issue(base_url)
    lon, lat = issue["geometry"]["coordinates"]
    page.goto(base_url + "/issues/new")
    shoot(page, folder, f"report-{size}-empty")
    show_on_map(page, lat, lon)
    tap_map_at(page, *open_ground_near(page, lat, lon), touch=size == "phone")  # beside a reported problem
    page.get_by_label("Category").select_option(issue["properties"]["category"])
    page.wait_for_selector(".suggestion")
    shoot(page, folder, f"report-{size}", full_page=True)
    page.get_by_role("button", name="Submit report").click()
    page.wait_for_selector(".field__error")
    shoot(page, folder, f"report-{size}-errors", full_page=True)

    page.goto(issue["properties"]["url"])
    shoot(page, folder, f"issue-{size}", full_page=True)
    page.goto(base_url + "/priorities")
    shoot(page, folder, f"priorities-{size}", full_page=True)
    page.goto(base_url + "/priorities?area=2&category=pothole")
    shoot(page, folder, f"priorities-{size}-filtered")
    page.goto(base_url + "/issues/999999")
    shoot(page, folder, f"error-{size}")


def main() -> int:
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="commonfix-screens-") as workdir,
        demo_server(Path(workdir)) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(**launch_options())
        try:
            for size, options in (("phone", PHONE), ("desktop", DESKTOP)):
                context = browser.new_context(**options)
                take_all(context.new_page(), server.url, folder, size)
                context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
