"""The city map's pins and groups as a test taps them: read what is drawn, tap it like a finger (or
click it like a mouse), wait for the map to settle, and check popups stay open."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.actions import MAP, wait_for_map
from tests.browser.live_server import LiveServer

PINS = ".leaflet-marker-icon.cf-pin"
CLUSTERS = ".leaflet-marker-icon.cf-cluster"


def settle(page: Page) -> None:
    """Until the map has answered its last load and no animation runs."""
    frame = page.locator("[data-cf-map]")
    page.wait_for_timeout(800)  # an animation (250 ms), the 250 ms debounce, the request starting
    expect(frame).not_to_have_attribute("aria-busy", "true")


def centre_of(marker: Locator) -> tuple[float, float] | None:
    box = marker.bounding_box()
    if box is None:
        return None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def visible_in_map(page: Page, point: tuple[float, float]) -> bool:
    """Whether a screen point lies in the map and is not covered by anything (the topmost element there
    belongs to a marker)."""
    frame = page.locator("[data-cf-map]").bounding_box()
    assert frame is not None
    x, y = point
    if not (frame["x"] + 24 < x < frame["x"] + frame["width"] - 24):
        return False
    if not (frame["y"] + 24 < y < frame["y"] + frame["height"] - 24):
        return False
    hit: bool = page.evaluate(
        "([x, y]) => Boolean(document.elementFromPoint(x, y)?.closest('.leaflet-marker-icon'))", [x, y]
    )
    return hit


def markers(page: Page, selector: str) -> list[dict[str, object]]:
    """The markers drawn now, read at once: title, text and screen centre."""
    found: list[dict[str, object]] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].map((m) => {
            const r = m.getBoundingClientRect();
            return {title: m.getAttribute('title') || '', text: m.innerText,
                    x: r.x + r.width / 2, y: r.y + r.height / 2};
        })""",
        selector,
    )
    return found


def first_visible_pin(page: Page) -> tuple[float, float]:
    """The screen centre of the first pin a finger can reach: pins off the screen stay in the page."""
    return next(
        point
        for point in ((float(m["x"]), float(m["y"])) for m in markers(page, PINS))  # type: ignore[arg-type]
        if visible_in_map(page, point)
    )


def tap(page: Page, x: float, y: float) -> None:
    """A touch tap on a touch screen, else a click."""
    if page.evaluate("() => navigator.maxTouchPoints > 0"):
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def tap_clusters_until_pins(page: Page) -> None:
    """From the city view, tap the biggest cluster in view until the map shows pins."""
    frame = page.locator("[data-cf-map]")
    for _ in range(8):
        settle(page)
        if frame.get_attribute("data-mode") == "pins":
            return
        candidates = [
            (int(str(m["text"]).replace(",", "") or 0), (float(m["x"]), float(m["y"])))  # type: ignore[arg-type]
            for m in markers(page, CLUSTERS)
        ]
        candidates = [c for c in candidates if visible_in_map(page, c[1])]
        assert candidates, "no cluster can be tapped"
        _, (x, y) = max(candidates)
        tap(page, x, y)
    settle(page)
    assert frame.get_attribute("data-mode") == "pins"


def popups_stay_open(page: Page, server: LiveServer) -> int:
    """From the city view, tap clusters down to pins, then tap up to six pins in turn: each popup opens
    on its own problem and is still open once the map has settled (its pan, the debounce and the pins'
    reload are over). Returns how many pins were tried."""
    page.goto(server.url + "/")
    wait_for_map(page)
    record_popup_closes(page)
    tap_clusters_until_pins(page)

    tried: list[str] = []
    for _ in range(12):
        if len(tried) == 6:
            break
        pins = [(str(m["title"]), (float(m["x"]), float(m["y"]))) for m in markers(page, PINS)]  # type: ignore[arg-type]
        fresh = [(title, p) for title, p in pins if title not in tried and visible_in_map(page, p)]
        if not fresh:
            break
        title, point = fresh[0]
        tried.append(title)
        tap(page, *point)
        popup = page.locator(".leaflet-popup .cf-popup")
        expect(popup).to_be_visible()
        name = title.rsplit(" (", 1)[0]
        expect(popup.locator(".cf-popup__title")).to_have_text(name)
        page.evaluate("() => { window.cfPopupCloses = []; }")
        settle(page)  # the popup's pan, the debounce, any reload
        assert popup.count() == 1, f"{title}'s popup closed by itself: {popup_closes(page)}"
        expect(popup.locator(".cf-popup__title")).to_have_text(name)
        close = page.locator(".leaflet-popup-close-button").bounding_box()
        assert close is not None
        tap(page, close["x"] + close["width"] / 2, close["y"] + close["height"] / 2)
        expect(popup).to_have_count(0)
        settle(page)
    return len(tried)


def record_popup_closes(page: Page) -> None:
    """From now on, where each popup close came from (the script's stack), for a failure to say."""
    page.evaluate(
        f"""() => {{
            window.cfPopupCloses = [];
            {MAP}.on('popupclose', () => window.cfPopupCloses.push(new Error('popup closed').stack));
        }}"""
    )


def popup_closes(page: Page) -> list[str]:
    found: list[str] = page.evaluate("() => window.cfPopupCloses || []")
    return found


def open_a_pin_popup(page: Page, server: LiveServer) -> Locator:
    """From the city view, down to pins, then the popup of the first pin a finger can reach: open, and
    the map settled after its pan. Returns the popup."""
    page.goto(server.url + "/")
    wait_for_map(page)
    tap_clusters_until_pins(page)
    tap(page, *first_visible_pin(page))
    popup = page.locator(".leaflet-popup .cf-popup")
    expect(popup).to_be_visible()
    settle(page)
    return popup


def overlap(page: Page, one: str, other: str) -> bool:
    """Whether the first elements the two selectors find overlap on screen."""
    found: bool = page.evaluate(
        """([one, other]) => {
            const a = document.querySelector(one).getBoundingClientRect();
            const b = document.querySelector(other).getBoundingClientRect();
            return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        }""",
        [one, other],
    )
    return found


def inside(page: Page, one: str, frame: str) -> bool:
    """Whether the first element `one` finds lies wholly inside the first that `frame` finds."""
    found: bool = page.evaluate(
        """([one, frame]) => {
            const a = document.querySelector(one).getBoundingClientRect();
            const f = document.querySelector(frame).getBoundingClientRect();
            return a.left >= f.left && a.right <= f.right && a.top >= f.top && a.bottom <= f.bottom;
        }""",
        [one, frame],
    )
    return found
