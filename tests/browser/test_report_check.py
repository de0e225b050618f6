"""A report missing its pin, category or title is stopped on the phone, so the chosen photo stays.

Found from outside: the form went to the server without any check, and the server's answer ("Title is
required.") came back with the photo gone ("Choose the photo again"): on a phone, often a photo just
taken with the camera for this report.
"""

from __future__ import annotations

import io
from urllib.parse import urlparse

from PIL import Image
from playwright.sync_api import Browser, Request, expect

from tests.browser.actions import register
from tests.browser.conftest import phone_located_at
from tests.browser.live_server import LiveServer
from tests.browser.test_resident_journey import ranked_list


def small_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, format="JPEG")
    return out.getvalue()


def test_missing_parts_are_said_on_the_page_and_the_photo_stays(
    browser: Browser, live_server: LiveServer
) -> None:
    place = ranked_list(live_server)[0]  # where an open problem is: inside the city
    page, errors = phone_located_at(browser, place.lat, place.lon)
    sent: list[str] = []

    def note(request: Request) -> None:
        if request.method == "POST" and urlparse(request.url).path == "/issues/new":
            sent.append(request.url)

    page.on("request", note)
    try:
        page.goto(live_server.url + "/account/register?next=/issues/new")
        register(page, live_server)
        # The form's scripts run at the end of the page: wait for them, as a person does (a CI run under
        # load tapped "Submit" before report-check.js had run, and the server got the form).
        page.wait_for_url("**/issues/new")
        page.wait_for_load_state("load")
        page.get_by_label("Description").fill("The bench by the pond lost two slats.")
        page.get_by_label("Photo").set_input_files(
            {"name": "bench.jpg", "mimeType": "image/jpeg", "buffer": small_photo()}
        )

        page.get_by_role("button", name="Submit report").tap()

        expect(page.locator("#place-error")).to_contain_text("Place the pin")
        expect(page.locator("#category-error")).to_have_text("Choose a category.")
        expect(page.locator("#title-error")).to_have_text("Title is required.")
        expect(page.locator("#description-error")).to_have_count(0)
        expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
        assert sent == []
        assert page.evaluate("document.getElementById('photo').files.length") == 1

        # Each error goes as its part is put right (as the server's do), and a second tap sends the report
        # with its photo.
        page.get_by_role("button", name="Use my location").tap()
        expect(page.locator("#place-status")).to_contain_text("Pin placed at your location")
        expect(page.locator("#place-error")).to_be_hidden()
        page.get_by_label("Category").select_option(place.category)
        expect(page.locator("#category-error")).to_be_hidden()
        page.get_by_label("Title").fill("Bench slats missing")
        expect(page.locator("#title-error")).to_be_hidden()
        expect(page.get_by_label("Title")).not_to_have_attribute("aria-invalid", "true")
        expect(page.locator(".field--invalid")).to_have_count(0)
        page.get_by_role("button", name="Submit report").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text("Bench slats missing")
        expect(page.locator(".issue__photos img")).to_have_count(1)
        assert len(sent) == 1
    finally:
        page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
