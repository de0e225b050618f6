"""A phone camera's photo over the 10 MB limit is made smaller in the browser before it is sent.

Found from outside: a photo from a phone's 50 or 108 megapixel mode is often over 10 MB, and the report
page only said "Choose a smaller photo", which a resident on a phone cannot easily do. Now the page
draws it upright at the size the server keeps and sends that; the report keeps its photo.
"""

from __future__ import annotations

import io
from urllib.parse import urljoin

import numpy as np
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from tests.browser.actions import register
from tests.browser.conftest import phone_located_at
from tests.browser.live_server import LiveServer
from tests.browser.test_resident_journey import ranked_list

LIMIT = 10 * 1024 * 1024


def turned_camera_photo() -> bytes:
    """A 3600 x 2800 JPEG of noise (which compresses badly: over 10 MB) taken with the phone turned:
    EXIF orientation 6, so it shows 2800 wide and 3600 tall."""
    pixels = np.random.default_rng(16).integers(0, 256, (2800, 3600, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to show
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, exif=exif)
    return out.getvalue()


def stored_photo(page: Page) -> Image.Image:
    source = page.locator(".issue__photos img").first.get_attribute("src")
    assert source
    response = page.request.get(urljoin(page.url, source))
    assert response.ok
    return Image.open(io.BytesIO(response.body()))


def report(page: Page, base: str, category: str, title: str, photo: bytes, *, wait_for_photo: bool) -> None:
    page.goto(base + "/issues/new")
    page.get_by_role("button", name="Use my location").tap()
    expect(page.locator("#place-status")).to_contain_text("Pin placed at your location")
    page.get_by_label("Category").select_option(category)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("Two slats of the bench are broken; children sit on it.")
    chosen = {"name": "IMG_0042.JPG", "mimeType": "image/jpeg", "buffer": photo}
    page.get_by_label("Photo").set_input_files(chosen)
    if wait_for_photo:
        note = page.locator("#photo-size-note")
        expect(note).to_contain_text("This photo was")
        expect(note).to_contain_text("It will be sent at 1593 × 2048 pixels")
        expect(page.locator("#photo-size-error")).to_be_hidden()
    page.get_by_role("button", name="Submit report").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_a_photo_over_the_limit_is_made_smaller_upright_and_sent(
    browser: Browser, live_server: LiveServer
) -> None:
    place = ranked_list(live_server)[0]  # where an open problem is: inside the city
    page, errors = phone_located_at(browser, place.lat, place.lon)
    photo = turned_camera_photo()
    assert len(photo) > LIMIT
    try:
        page.goto(live_server.url + "/account/register?next=/issues/new")
        register(page, live_server)

        # Chosen, made smaller (the page says so), then sent: upright, at 2048 pixels, no metadata.
        report(page, live_server.url, place.category, "Broken bench slats", photo, wait_for_photo=True)
        stored = stored_photo(page)
        assert stored.size == (1593, 2048)
        assert not stored.getexif()

        # "Submit report" tapped at once, while the photo is still being made smaller: sent when ready.
        report(page, live_server.url, place.category, "Broken bench slats again", photo, wait_for_photo=False)
        assert stored_photo(page).size == (1593, 2048)
    finally:
        page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_an_updates_photo_over_the_limit_is_made_smaller_too(
    browser: Browser, live_server: LiveServer
) -> None:
    """Found from outside: the update form ("still broken, here is a photo") sent a camera's photo
    whole, and the resident landed on the "upload too large" page with their text lost."""
    place = ranked_list(live_server)[0]
    page, errors = phone_located_at(browser, place.lat, place.lon)
    photo = turned_camera_photo()
    try:
        page.goto(f"{live_server.url}/account/register?next=/issues/{place.id}")
        register(page, live_server)
        page.goto(f"{live_server.url}/issues/{place.id}")
        page.get_by_label("Your update").fill("Still broken this morning; photo attached.")
        page.locator("#update-form input[type=file]").set_input_files(
            {"name": "IMG_0043.JPG", "mimeType": "image/jpeg", "buffer": photo}
        )
        note = page.locator("#update-photo-note")
        expect(note).to_contain_text("This photo was")
        expect(note).to_contain_text("It will be sent at 1593 × 2048 pixels")
        page.get_by_role("button", name="Post update").tap()
        posted = page.locator(".timeline__photo img").last
        expect(posted).to_be_visible()
        source = posted.get_attribute("src")
        assert source
        response = page.request.get(urljoin(page.url, source))
        assert response.ok
        stored = Image.open(io.BytesIO(response.body()))
        assert stored.size == (1593, 2048)
        assert not stored.getexif()
    finally:
        page.context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
