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


def open_ground_near(
    page: Page, lat: float, lon: float, away: int = 40, clear: int = 24
) -> tuple[float, float]:
    """A point `away` CSS pixels from a reported problem at (lat, lon) with no pin within `clear` pixels,
    once the report map has drawn the problems already reported nearby (at least that one): where a
    resident taps to place a new pin. A phone's browser sends a tap just beside a pin to the pin, which
    opens its popup instead of placing one."""
    expect(page.locator("[data-cf-map]")).to_have_attribute("data-nearby-pins", re.compile(r"^[1-9]\d*$"))
    script = f"""([lat, lon, away, clear]) => {{
        const map = {MAP};
        const origin = map.latLngToContainerPoint([lat, lon]);
        const size = map.getSize();
        const box = map.getContainer().getBoundingClientRect();
        const pins = [...map.getContainer().querySelectorAll(".leaflet-marker-icon")].map((icon) => {{
            const r = icon.getBoundingClientRect();
            return [r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top];
        }});
        for (let turn = 0; turn < 16; turn += 1) {{
            const angle = -Math.PI / 2 + (turn * Math.PI) / 8;  /* north first, then round */
            const x = origin.x + away * Math.cos(angle), y = origin.y + away * Math.sin(angle);
            const inside = x > clear && y > clear && x < size.x - clear && y < size.y - clear;
            const near = pins.some(
                ([l, t, r, b]) => x > l - clear && x < r + clear && y > t - clear && y < b + clear
            );
            if (inside && !near) {{
                const point = map.containerPointToLatLng([x, y]);
                return [point.lat, point.lng];
            }}
        }}
        return null;
    }}"""
    found = page.evaluate(script, [lat, lon, away, clear])
    assert found, f"no open ground {away} px around ({lat}, {lon})"
    return found[0], found[1]


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


def paste_past_limit(page: Page, selector: str, pasted: int, kept: int) -> None:
    """Paste `pasted` characters into a box that keeps `kept` (its maxlength), as a browser does: the
    paste event with the whole text, then the value cut at the limit. Playwright's own fill and typing
    stop at maxlength without the paste event a resident's paste makes."""
    page.locator(selector).evaluate(
        """(box, [pasted, kept]) => {
            const data = new DataTransfer();
            data.setData('text/plain', 'y'.repeat(pasted));
            box.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
            box.value = 'y'.repeat(kept);
        }""",
        [pasted, kept],
    )
