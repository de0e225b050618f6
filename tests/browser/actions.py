"""What a resident does in the browser, as reusable steps: register, log in, tap a place on the map."""

from __future__ import annotations

import email
import email.policy
import itertools
import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.live_server import DEMO_PASSWORD, DEMO_RESIDENT, LiveServer

# The L.Map that folium created for the page's map element.
MAP = "window.Commonfix.mapOf(document.querySelector('[data-cf-map]'))"
_serial = itertools.count(1)


def register(page: Page, server: LiveServer, display_name: str = "New Neighbour") -> str:
    """Create an account through the form (from wherever the page is), then open the confirmation link
    the worker mailed and confirm, as a new resident does; returns the email used."""
    address = f"browser{time.time_ns()}-{next(_serial)}@example.org"
    page.get_by_label("Email").fill(address)
    page.get_by_label("Display name").fill(display_name)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.goto(confirmation_link(server, address))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.locator(".flash--success")).to_contain_text(f"Thank you, {display_name}")
    return address


def confirmation_link(server: LiveServer, address: str, timeout: float = 30.0) -> str:
    """The link in the confirmation mail the worker wrote for `address` (waits for the worker)."""
    outbox = Path(server.env["MAIL_OUTBOX_DIR"])
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["To"] == address:
                found = re.search(r"https?://\S+/account/confirm/\S+", message.get_content())
                assert found, message.get_content()
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no confirmation mail for {address} within {timeout} s")


def log_in(page: Page, base_url: str, email: str = DEMO_RESIDENT, password: str = DEMO_PASSWORD) -> None:
    page.goto(base_url + "/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash--success")).to_contain_text("Logged in")


def wait_for_map(page: Page) -> None:
    """Until the page's scripts have built the map (a URL change alone does not mean that)."""
    page.wait_for_function(f"() => window.Commonfix && Boolean({MAP})")


def show_on_map(page: Page, lat: float, lon: float, zoom: int = 17) -> None:
    """Bring a place into view, as a resident would by panning and zooming."""
    wait_for_map(page)
    script = f"([lat, lon, zoom]) => {MAP}.setView([lat, lon], zoom, {{animate: false}})"
    page.evaluate(script, [lat, lon, zoom])


def tap_map_at(page: Page, lat: float, lon: float, touch: bool = True) -> None:
    """Tap the map (a touch tap, or a click) on the screen point where (lat, lon) is drawn."""
    wait_for_map(page)
    point = page.evaluate(f"([lat, lon]) => {MAP}.latLngToContainerPoint([lat, lon])", [lat, lon])
    box = page.locator("[data-cf-map] .leaflet-container").bounding_box()
    assert box is not None, "the map is not on screen"
    x, y = box["x"] + point["x"], box["y"] + point["y"]
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def press(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


def confirm(page: Page, name: str, consequence: str) -> None:
    """A consequential round action: open its confirmation step, read the consequence, say yes."""
    step = page.locator("details.confirm", has=page.locator("summary", has_text=name))
    if step.get_attribute("open") is None:
        step.locator("summary").click()
    expect(step.locator(".confirm__consequence")).to_contain_text(consequence)
    press(page, f"Yes, {name[0].lower()}{name[1:]}")
