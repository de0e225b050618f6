"""Photos: checked by content, re-encoded without metadata (GPS included), refused when too large."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import Photo
from tests.conftest import AuthActions
from tests.images import GPS_IFD, SECRET, encoded, jpeg_with_gps, png_with_text
from tests.testcity import OLD_TOWN

FORM = {
    **OLD_TOWN.latlon,
    "category": "dumping",
    "title": "Mattresses dumped",
    "description": "Since Monday.",
}


@pytest.fixture
def report(client: FlaskClient, auth: AuthActions) -> Callable[..., Any]:
    headers = auth.headers()

    def post(data: bytes, filename: str = "photo.jpg", **fields: Any) -> Any:
        # Encoded in memory: the test client would spool a large body to a file it never closes.
        form = {
            **{k: str(v) for k, v in {**FORM, **fields}.items()},
            "photo": FileStorage(io.BytesIO(data), filename),
        }
        boundary, body = encode_multipart(form)
        return client.post(
            "/api/v1/issues",
            data=body,
            headers=headers,
            content_type=f"multipart/form-data; boundary={boundary}",
        )

    return post


def stored_photo(app: Flask) -> tuple[Photo, Path]:
    with app.app_context():
        photo = db.session.scalars(select(Photo)).one()
        db.session.expunge(photo)
    return photo, Path(app.config["UPLOAD_FOLDER"]) / photo.filename


def test_a_jpeg_with_gps_is_stored_re_encoded_without_any_exif(
    report: Callable[..., Any], app: Flask, client: FlaskClient
) -> None:
    original = jpeg_with_gps(size=(80, 60))

    response = report(original, filename="IMG_0001.JPG")

    assert response.status_code == 201, response.get_json()
    photo, path = stored_photo(app)
    data = path.read_bytes()
    assert data != original
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (80, 60)
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(GPS_IFD)
        assert "exif" not in stored.info
    assert b"Exif" not in data
    assert SECRET.encode() not in data
    assert b"Resident Phone" not in data
    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 80, 60)
    photo_urls = client.get(response.headers["Location"]).get_json()["properties"]["photos"]
    assert photo_urls == [f"http://localhost/issues/photos/{photo.filename}"]
    with client.get(photo_urls[0]) as served:
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert served.data == data


def test_the_exif_orientation_is_applied_before_it_is_dropped(report: Callable[..., Any], app: Flask) -> None:
    assert report(jpeg_with_gps(size=(80, 60), orientation=6)).status_code == 201  # 6: rotate 90 degrees

    photo, path = stored_photo(app)

    assert (photo.width, photo.height) == (60, 80)
    with Image.open(path) as stored:
        assert stored.size == (60, 80)
        assert not stored.getexif()


def test_a_png_loses_its_text_chunks(report: Callable[..., Any], app: Flask) -> None:
    response = report(png_with_text("RGBA"), filename="map.png")

    assert response.status_code == 201, response.get_json()
    photo, path = stored_photo(app)
    assert photo.content_type == "image/png"  # transparency is kept, so it stays a PNG
    data = path.read_bytes()
    with Image.open(path) as stored:
        assert stored.format == "PNG"
        assert getattr(stored, "text", {}) == {}
        assert "Comment" not in stored.info
    assert SECRET.encode() not in data
    assert b"tEXt" not in data
    assert b"iTXt" not in data


def test_an_opaque_png_is_stored_as_a_clean_jpeg(report: Callable[..., Any], app: Flask) -> None:
    assert report(png_with_text("RGB"), filename="scan.png").status_code == 201

    photo, path = stored_photo(app)

    assert photo.content_type == "image/jpeg"
    assert path.suffix == ".jpg"
    assert SECRET.encode() not in path.read_bytes()


def test_a_webp_is_accepted(report: Callable[..., Any], app: Flask) -> None:
    assert report(encoded("WEBP"), filename="photo.webp").status_code == 201

    with Image.open(stored_photo(app)[1]) as stored:
        assert stored.size == (64, 48)


def test_a_large_photo_is_scaled_down(report: Callable[..., Any], app: Flask) -> None:
    app.config["PHOTO_MAX_SIDE"] = 50

    assert report(jpeg_with_gps(size=(200, 100))).status_code == 201

    photo, _ = stored_photo(app)
    assert (photo.width, photo.height) == (50, 25)


def _plain(kind: str, size: tuple[int, int]) -> bytes:
    """A one-colour image of `size` (grey, so a big one is cheap to build and tiny once encoded)."""
    out = io.BytesIO()
    Image.new("L", size, 128).save(out, format=kind)
    return out.getvalue()


def test_a_phone_cameras_48_and_108_megapixel_jpegs_are_taken_and_scaled_down(
    report: Callable[..., Any], app: Flask
) -> None:
    """Found from outside: 8000x6000 was refused ("limit 40 megapixels") and 12000x9000 called "not a
    readable image", though both were well under 10 MB. A JPEG decodes at a fraction of its size."""
    response = report(_plain("JPEG", (12000, 9000)))
    assert response.status_code == 201, response.get_json()
    photo, _ = stored_photo(app)
    assert max(photo.width, photo.height) == app.config["PHOTO_MAX_SIDE"]
    assert report(_plain("JPEG", (8000, 6000))).status_code == 201


def test_too_many_pixels_is_said_so_for_every_format(report: Callable[..., Any]) -> None:
    for data in (_plain("PNG", (7000, 7000)), _plain("JPEG", (14000, 10000))):
        error = report(data).get_json()["error"]
        assert error["field"] == "photo"
        assert error["message"].startswith("Photo has too many pixels (limits: 120 megapixels for a JPEG")


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"hello, I am plain text, not a photo\n" * 20, "photo.jpg", "not a readable image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "photo.png", "not a readable image"),
        (encoded("GIF", mode="P"), "photo.jpg", "this file is GIF"),
        (encoded("BMP"), "photo.webp", "this file is BMP"),
        (encoded("JPEG")[:200], "truncated.jpg", "not a readable image"),
    ],
)
def test_a_file_that_is_not_a_real_jpeg_png_or_webp_is_refused(
    report: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    upload_files: Callable[[], list[Path]],
    data: bytes,
    filename: str,
    message: str,
) -> None:
    before = table_counts()

    response = report(data, filename=filename)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("invalid", "photo")
    assert error["message"].startswith("Photo must be a JPEG, PNG or WebP image")
    assert message in error["message"]
    assert table_counts() == before
    assert upload_files() == []


def test_an_empty_photo_is_refused(
    report: Callable[..., Any], table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()

    response = report(b"", filename="empty.jpg")

    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "invalid", "message": "Photo is empty.", "field": "photo"}
    assert table_counts() == before


def test_a_photo_over_10_mb_is_refused_with_413(
    report: Callable[..., Any],
    table_counts: Callable[[], dict[str, int]],
    upload_files: Callable[[], list[Path]],
) -> None:
    before = table_counts()
    just_over = jpeg_with_gps() + b"\0" * (10 * 1024 * 1024)  # a valid JPEG padded past the limit

    response = report(just_over)

    assert response.status_code == 413
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == ("too_large", "photo")
    assert "the limit is 10 MB" in error["message"]
    assert table_counts() == before
    assert upload_files() == []


def test_a_request_far_over_the_limit_is_cut_off_with_413(
    report: Callable[..., Any], table_counts: Callable[[], dict[str, int]]
) -> None:
    before = table_counts()

    response = report(b"\xff\xd8" + b"\0" * (12 * 1024 * 1024))

    assert response.status_code == 413
    assert response.get_json()["error"] == {
        "code": "too_large",
        "message": "The upload is too large: a photo may be at most 10 MB.",
        "field": "photo",
    }
    assert table_counts() == before


def test_a_json_body_over_the_limit_is_not_called_a_photo(
    client: FlaskClient, auth: AuthActions, table_counts: Callable[[], dict[str, int]]
) -> None:
    """Found from outside: a 12 MB JSON report was refused as a photo too large, naming `photo`."""
    headers = auth.headers()
    before = table_counts()
    body = '{"title": "' + "x" * (12 * 1024 * 1024) + '"}'

    response = client.post("/api/v1/issues", data=body, content_type="application/json", headers=headers)

    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "too_large"
    assert error["message"].startswith("The request is too large: at most ")
    assert "photo" not in error["message"]
    assert error.get("field") is None
    assert table_counts() == before
