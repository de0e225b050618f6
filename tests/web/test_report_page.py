"""The "Report a problem" page: what the resident sees, what is stored, and clear errors otherwise."""

from __future__ import annotations

import html as html_module
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.models import Issue, Photo, User
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.page_assets import offsite_assets
from tests.testcity import OLD_TOWN, OUTSIDE

MakeUser = Callable[..., User]
VALID = {
    "lat": str(OLD_TOWN.lat),
    "lon": str(OLD_TOWN.lon),
    "category": "pothole",
    "title": "Deep pothole by the bakery",
    "description": "About 20 cm deep, right where bikes pass.",
}


@pytest.fixture
def resident(auth: AuthActions, make_user: MakeUser) -> User:
    user = make_user(display_name="Rosa Resident")
    auth.login_as(user)
    return user


def label_texts(html: str) -> list[str]:
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    return [re.sub(r"\s+", " ", text).strip() for text in labels]


def test_logged_out_residents_are_sent_to_log_in_and_back(client: FlaskClient) -> None:
    response = client.get("/issues/new")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Fissues%2Fnew"


def test_the_form_has_visible_labels_a_camera_photo_input_and_the_map(
    client: FlaskClient, resident: User
) -> None:
    html = client.get("/issues/new").get_data(as_text=True)

    assert {"Category", "Title", "Description", "Photo", "Hide my name on the public page"} <= set(
        label_texts(html)
    )
    photo = re.search(r"<input[^>]*type=\"file\"[^>]*>", html)
    assert photo is not None
    assert 'accept="image/jpeg,image/png,image/webp"' in photo.group(0)
    assert 'capture="environment"' in photo.group(0)
    assert re.search(r'<input[^>]*type="submit"[^>]*value="Submit report"', html)
    assert ">Use my location</button>" in html
    for coordinate in ("lat", "lon"):
        hidden = re.search(rf'<input[^>]*id="{coordinate}"[^>]*>', html)
        assert hidden is not None
        assert 'type="hidden"' in hidden.group(0)
    assert "Already reported?" in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert offsite_assets(html) == []


def test_a_report_is_stored_with_its_photo_and_shown_anonymously(
    client: FlaskClient,
    resident: User,
    count_rows: Callable[..., int],
    upload_files: Callable[[], list[Path]],
) -> None:
    data = {**VALID, "hide_name": "y", "photo": (io.BytesIO(jpeg_with_gps()), "street.jpg", "image/jpeg")}

    response = client.post("/issues/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 302
    issue_url = response.headers["Location"]
    assert re.fullmatch(r"/issues/\d+#sent", issue_url)  # #sent: the page drops the draft kept while typing
    issue_url = issue_url.removesuffix("#sent")
    assert count_rows(Issue) == 1
    assert count_rows(Photo) == 1
    assert len(upload_files()) == 1
    page = client.get(issue_url).get_data(as_text=True)
    assert "Deep pothole by the bakery" in page
    assert "Your report is on the map" in page
    assert "<dd>anonymous</dd>" in page
    assert "Rosa Resident</dd>" not in page
    assert re.search(r'<img src="/issues/photos/[0-9a-f]+\.jpg"', page)


def test_without_a_pin_the_place_fails_with_a_clear_message_and_nothing_is_stored(
    client: FlaskClient, resident: User, table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()

    response = client.post("/issues/new", data={**VALID, "lat": "", "lon": ""})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = "Place the pin: tap the map where the problem is, or use “Use my location”."
    # Once in the summary (linking to the map), once beside the map; and in the pin's data-required, for
    # the page's own check before a report is sent again (report-check.js).
    assert html.count(f">{message}<") == 2
    assert html.count(f'data-required="{message}"') == 1
    assert '<a href="#place">' in html
    assert "Please correct this first:" in html  # one message (lat and lon refused alike), said once
    assert table_counts() == before


def test_a_form_sent_back_asks_for_its_photo_again(client: FlaskClient, resident: User) -> None:
    """Found from outside: a refused form came back with "No file chosen" and nothing said so, so the
    report went without its photo once the pin was placed."""
    response = client.post(
        "/issues/new",
        data={**VALID, "lat": "", "lon": "", "photo": (io.BytesIO(jpeg_with_gps()), "bench.jpg")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="photo-error">Choose the photo again: a form sent back cannot keep the file you chose.' in page
    assert "Please correct these first:" in page


@pytest.mark.parametrize(
    ("change", "field_id", "message"),
    [
        ({"lat": str(OUTSIDE.lat), "lon": str(OUTSIDE.lon)}, "place-error", "outside the city"),
        ({"lat": "91"}, "place-error", "lat must be between -90 and 90"),
        ({"category": "volcano"}, "category-error", "is not one of the city's categories"),
        ({"category": ""}, "category-error", "Choose a category."),
        ({"title": "   "}, "title-error", "Title is required."),
        ({"title": "x" * 121}, "title-error", "Title must be at most 120 characters."),
        ({"description": "x" * 4001}, "description-error", "Description must be at most 4,000 characters."),
    ],
)
def test_bad_input_is_named_on_its_field_with_422_and_nothing_stored(
    client: FlaskClient,
    resident: User,
    table_counts: Callable[[], dict[str, int]],
    change: dict[str, str],
    field_id: str,
    message: str,
) -> None:
    before = table_counts()

    response = client.post("/issues/new", data={**VALID, **change})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'<p class="field__error" id="{field_id}">(.*?)</p>', html, re.S)
    assert error is not None, f"no error shown at #{field_id}"
    assert message in html_module.unescape(error.group(1))
    assert table_counts() == before


def test_a_photo_that_is_not_an_image_is_refused_on_the_photo_field(
    client: FlaskClient, resident: User, table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()
    data = {**VALID, "photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "scan.jpg", "image/jpeg")}

    response = client.post("/issues/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 422
    assert re.search(r'id="photo-error">[^<]+<', response.get_data(as_text=True))
    assert table_counts() == before


@pytest.mark.config(MAX_CONTENT_LENGTH=20_000)
def test_an_upload_over_the_request_limit_gets_a_clear_413_page(
    client: FlaskClient, resident: User, table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()
    data = {**VALID, "photo": (io.BytesIO(b"\xff" * 30_000), "huge.jpg", "image/jpeg")}

    response = client.post("/issues/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "That upload is too large" in html
    assert "a photo may be at most 10 MB" in html
    # Without JavaScript "Go back" is a link that opens the form empty (found from outside).
    assert "Go back with your browser's own Back button, which keeps what you typed" in html.replace(
        "&#39;", "'"
    )
    assert table_counts() == before


@pytest.mark.config(PHOTO_MAX_BYTES=1_000)
def test_a_photo_over_the_photo_limit_is_named_on_the_photo_field_with_413(
    client: FlaskClient, resident: User, table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()
    data = {**VALID, "photo": (io.BytesIO(jpeg_with_gps((400, 300))), "big.jpg", "image/jpeg")}

    response = client.post("/issues/new", data=data, content_type="multipart/form-data")

    assert response.status_code == 413
    assert re.search(r'id="photo-error">Photo is [\d.]+ MB; the limit is', response.get_data(as_text=True))
    assert table_counts() == before


def test_text_typed_into_a_failed_form_comes_back_escaped(client: FlaskClient, resident: User) -> None:
    response = client.post("/issues/new", data={**VALID, "title": "<script>alert(1)</script>", "lat": ""})

    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_a_report_held_for_confirmation_is_not_said_to_be_on_the_map(
    client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user(display_name="Una Unconfirmed", email_confirmed=False))

    response = client.post("/issues/new", data=VALID)

    assert response.status_code == 302
    page = html_module.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Your report is on the map" not in page
    assert "Thank you! Your report is saved: it goes on the map once you confirm your email" in page


def test_the_reporter_sees_the_photo_of_a_report_held_for_confirmation_and_nobody_else_does(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: MakeUser
) -> None:
    auth.login_as(make_user(display_name="Una Unconfirmed", email_confirmed=False))
    data = {**VALID, "photo": (io.BytesIO(jpeg_with_gps()), "street.jpg", "image/jpeg")}
    response = client.post("/issues/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = re.search(r'<img src="(/issues/photos/[0-9a-f]+\.jpg)"', page)
    assert shown is not None  # the page shows it to its reporter, so the photo must load for them
    mine = client.get(shown.group(1))
    assert mine.status_code == 200
    assert mine.headers["Cache-Control"] == "private, no-store"  # not public yet: kept in no cache
    assert app.test_client().get(shown.group(1)).status_code == 404
    other = app.test_client()
    AuthActions(other, make_user).login_as(make_user(display_name="Nosy Neighbour"))
    assert other.get(shown.group(1)).status_code == 404


def test_opening_a_forms_answer_address_says_there_is_no_page_there(
    client: FlaskClient, resident: User
) -> None:
    """Found from outside: Enter in the address bar on a form's answer (/account/settings/email, a
    group's pledge) showed "The method is not allowed for the requested URL"."""
    response = client.get("/account/settings/email")

    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert "There is no page here" in page
    assert "only receives a form when it is sent" in page
    assert "method is not allowed" not in page.lower()


def test_line_breaks_count_once_as_the_textarea_counts_them(
    app: Flask, client: FlaskClient, resident: User, make_issue
) -> None:
    """Found from outside: a browser sends each line break as CR LF, so a description that filled the
    box (maxlength 4000) was refused as longer than 4,000 characters, and an update likewise."""
    lines = ["x" * 27] * 137  # 137 lines of 27 characters: 3,699 + 136 line breaks + 165 more
    description = "\r\n".join(lines) + "y" * (4000 - len("\n".join(lines)))
    assert len(description.replace("\r\n", "\n")) == 4000

    response = client.post("/issues/new", data={**VALID, "description": description})

    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        stored = Issue.query.order_by(Issue.id.desc()).first()
        assert stored is not None
        assert stored.description == description.replace("\r\n", "\n")
    issue = make_issue()
    update = "\r\n".join(["z" * 19] * 100)  # 1,900 + 99 line breaks: 1,999 as the box counts
    posted = client.post(f"/issues/{issue.id}/updates", data={"text": update})
    assert posted.status_code == 302, posted.get_data(as_text=True)
