"""Screenshots of the city map and the problem page at phone (390x844) and laptop (1366x900) sizes, to look
at: test-artifacts/screens/map/. The key folded and open, pins, a popup, a problem and a duplicate.

Run from the project root: `.venv/bin/python -m tests.browser.map_screenshots`. It serves the seeded demo
city (no map tiles, as offline).
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.actions import log_in, wait_for_map
from tests.browser.live_server import (
    ARTIFACTS,
    LAPTOP,
    PHONE_390,
    chromium_missing,
    demo_server,
    launch_options,
)
from tests.browser.map_actions import (
    PINS,
    markers,
    settle,
    tap,
    tap_clusters_until_pins,
    visible_in_map,
)


def shoot(page: Page, folder: Path, name: str, full_page: bool = False) -> None:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path.relative_to(ARTIFACTS.parent))


def take_all(page: Page, base_url: str, folder: Path, size: str) -> None:
    page.goto(base_url + "/")
    wait_for_map(page)
    settle(page)
    shoot(page, folder, f"map-{size}")
    page.locator(".legend__toggle").click()
    settle(page)
    shoot(page, folder, f"map-{size}-key-{'open' if size == 'phone' else 'folded'}")
    page.locator(".legend__toggle").click()
    settle(page)
    tap_clusters_until_pins(page)
    shoot(page, folder, f"map-{size}-pins")
    pins = [(float(m["x"]), float(m["y"])) for m in markers(page, PINS)]  # type: ignore[arg-type]
    pins = [p for p in pins if visible_in_map(page, p)]
    if pins:
        tap(page, *pins[0])
        page.wait_for_timeout(2000)
        shoot(page, folder, f"map-{size}-popup")

    log_in(page, base_url)
    top = api_get_url(base_url, "/api/v1/issues?status=open&sort=rank&per_page=1")
    assert top is not None  # the demo city always has open problems
    page.goto(top)
    page.wait_for_timeout(500)
    shoot(page, folder, f"issue-{size}", full_page=True)
    page.locator(".subscribe__toggle").click()
    shoot(page, folder, f"issue-{size}-subscribe")
    duplicate = api_get_url(base_url, "/api/v1/issues?status=duplicate&per_page=1")
    if duplicate is not None:  # the demo seeds none: one exists once an official merged two reports
        page.goto(duplicate)
        page.wait_for_timeout(500)
        shoot(page, folder, f"issue-{size}-duplicate")


def api_get_url(base_url: str, path: str) -> str | None:
    """The page URL of the first problem the API lists at `path` (None when it lists none)."""
    with urllib.request.urlopen(base_url + path, timeout=10) as response:
        features = json.load(response)["features"]
    return str(features[0]["properties"]["url"]) if features else None


def main() -> int:
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 1
    folder = ARTIFACTS / "screens" / "map"
    folder.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="commonfix-map-screens-") as workdir,
        demo_server(Path(workdir)) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(**launch_options())
        try:
            for size, options in (("phone", PHONE_390), ("laptop", LAPTOP)):
                context = browser.new_context(**options)
                take_all(context.new_page(), server.url, folder, size)
                context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
