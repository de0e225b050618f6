"""Browser fixtures: the seeded demo city served by gunicorn, Debian's Chromium, a phone-sized page.

Under CI=true these tests must run: a missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.live_server import (
    ARTIFACTS,
    PHONE,
    PHONE_390,
    LiveServer,
    chromium_missing,
    demo_server,
    launch_options,
    seed_demo_database,
)

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city made once by init-db + seed-demo; each demo server starts from its own copy."""
    return seed_demo_database(tmp_path_factory.mktemp("seeded-demo"))


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, seeded_demo: Path) -> Iterator[LiveServer]:
    with demo_server(tmp_path_factory.mktemp("browser-server"), seeded_demo) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    reason = chromium_missing()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests to run, but {reason}", pytrace=False)
        pytest.skip(f"browser tests skipped: {reason}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(**launch_options())
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Any:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def new_phone_page(browser: Browser, **options: Any) -> Page:
    context = browser.new_context(**{**PHONE, **options})
    context.set_default_timeout(15_000)
    return context.new_page()


def phone_located_at(browser: Browser, lat: float, lon: float) -> tuple[Page, list[str]]:
    """A fresh phone page that may share its location (the point), and the JavaScript errors it raises."""
    page = new_phone_page(
        browser, geolocation={"latitude": lat, "longitude": lon}, permissions=["geolocation"]
    )
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page, errors


@pytest.fixture
def phone390(browser: Browser) -> Iterator[Page]:
    """A fresh 390x844 touch page with its own cookies; JS errors fail the test."""
    page = new_phone_page(browser, **PHONE_390)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    """A fresh phone-sized page (360x640, touch) with its own cookies; JS errors fail the test."""
    page = new_phone_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def api_get(server: LiveServer, path: str) -> Any:
    with urllib.request.urlopen(server.url + path, timeout=10) as response:
        return json.load(response)


def unfunded_open_problems(server: LiveServer, area_id: int, count: int) -> list[int]:
    """The area's `count` most-liked open problems that hold no money yet. Journeys on one server price
    problems for their rounds, and a problem another journey funded keeps its estimate (409)."""
    query = f"/api/v1/issues?status=open&sort=rank&area={area_id}&per_page=30"
    ranked = [f["properties"]["id"] for f in api_get(server, query)["features"]]
    unfunded = [i for i in ranked if api_get(server, f"/api/v1/issues/{i}/money")["committed_cents"] == 0]
    assert len(unfunded) >= count, f"fewer than {count} open problems hold no money in area {area_id}"
    return unfunded[:count]
