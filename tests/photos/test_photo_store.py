"""The PhotoStore interface: the local folder store, a second store, and services that use either."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.extensions import db
from app.models import Issue, Photo
from app.photo_stores import EXTENSION_KEY, LocalPhotoStore, init_photo_store
from app.services.issues.photo_store import PhotoNotFound, PhotoStore
from tests.conftest import AuthActions
from tests.images import jpeg_with_gps
from tests.photos.memory_store import MemoryPhotoStore
from tests.testcity import OLD_TOWN

NAME = "0123456789abcdef0123456789abcdef.jpg"
OTHER = "fedcba9876543210fedcba9876543210.png"


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PhotoStore:
    if request.param == "local":
        return LocalPhotoStore(tmp_path / "uploads")
    return MemoryPhotoStore()


def test_a_saved_photo_opens_with_its_bytes_and_exists(store: PhotoStore) -> None:
    assert not store.exists(NAME)

    store.save(NAME, b"\xff\xd8photo bytes", "image/jpeg")

    assert store.exists(NAME)
    assert not store.exists(OTHER)
    with store.open(NAME) as stream:
        assert stream.read() == b"\xff\xd8photo bytes"


def test_a_deleted_photo_is_gone_and_deleting_twice_is_no_error(store: PhotoStore) -> None:
    store.save(NAME, b"a", "image/jpeg")
    store.save(OTHER, b"b", "image/png")

    store.delete(NAME)
    store.delete(NAME)

    assert not store.exists(NAME)
    assert store.exists(OTHER)
    with pytest.raises(PhotoNotFound):
        store.open(NAME)


@pytest.mark.parametrize(
    "name", ["../secret.jpg", "a/b.jpg", "/etc/passwd", "0123456789abcdef0123456789abcdef.exe", "", "x.jpg"]
)
def test_a_name_that_services_never_make_is_refused(store: PhotoStore, name: str) -> None:
    with pytest.raises(ValueError, match="not a photo name"):
        store.save(name, b"x", "image/jpeg")
    with pytest.raises(ValueError, match="not a photo name"):
        store.exists(name)


def test_the_local_store_writes_one_file_per_photo_and_leaves_no_partial_file(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "uploads"
    local = LocalPhotoStore(folder)

    local.save(NAME, b"bytes", "image/jpeg")

    assert [p.name for p in folder.iterdir()] == [NAME]
    assert (folder / NAME).read_bytes() == b"bytes"


def test_an_unknown_photo_store_is_refused_at_start_up() -> None:
    app = Flask(__name__)
    app.config.update(PHOTO_STORE="s3", UPLOAD_FOLDER="/nowhere")

    with pytest.raises(ValueError, match="PHOTO_STORE must be one of"):
        init_photo_store(app)


@pytest.fixture
def memory_store(app: Flask) -> Iterator[MemoryPhotoStore]:
    saved = app.extensions[EXTENSION_KEY]
    memory = MemoryPhotoStore()
    app.extensions[EXTENSION_KEY] = memory
    yield memory
    app.extensions[EXTENSION_KEY] = saved


def test_reporting_and_serving_a_photo_use_whatever_store_the_app_runs_on(
    app: Flask, client: FlaskClient, auth: AuthActions, memory_store: MemoryPhotoStore
) -> None:
    response = client.post(
        "/api/v1/issues",
        data={
            **{k: str(v) for k, v in OLD_TOWN.latlon.items()},
            "category": "dumping",
            "title": "Sofa on the pavement",
            "description": "Since Friday.",
            "photo": (io.BytesIO(jpeg_with_gps()), "sofa.jpg"),
        },
        content_type="multipart/form-data",
        headers=auth.headers(),
    )
    assert response.status_code == 201, response.get_json()
    with app.app_context():
        filename = db.session.scalar(select(Photo.filename))
    assert filename is not None

    assert list(memory_store.photos) == [filename]
    assert not Path(app.config["UPLOAD_FOLDER"]).exists()  # nothing went to the local folder
    served = client.get(f"/issues/photos/{filename}")
    assert served.status_code == 200
    assert served.data == memory_store.photos[filename][0]

    memory_store.delete(filename)
    assert client.get(f"/issues/photos/{filename}").status_code == 404


def test_an_update_photo_goes_to_the_running_store_too(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    make_issue: Callable[..., Issue],
    memory_store: MemoryPhotoStore,
) -> None:
    issue = make_issue()

    posted = client.post(
        f"/api/v1/issues/{issue.id}/updates",
        data={"text": "Still there.", "photo": (io.BytesIO(jpeg_with_gps()), "p.jpg")},
        content_type="multipart/form-data",
        headers=auth.headers(),
    )

    assert posted.status_code == 201, posted.get_json()
    with app.app_context():
        filename = db.session.scalar(select(Photo.filename).where(Photo.event_id.is_not(None)))
    assert filename in memory_store.photos
    assert client.get(f"/issues/photos/{filename}").data == memory_store.photos[filename][0]


def test_the_data_download_reads_photos_from_the_running_store(
    app: Flask, client: FlaskClient, auth: AuthActions, memory_store: MemoryPhotoStore
) -> None:
    headers = auth.headers()
    response = client.post(
        "/api/v1/issues",
        data={
            **{k: str(v) for k, v in OLD_TOWN.latlon.items()},
            "category": "dumping",
            "title": "Mattress by the bins",
            "description": "Since Monday.",
            "photo": (io.BytesIO(jpeg_with_gps()), "mattress.jpg"),
        },
        content_type="multipart/form-data",
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    [filename] = list(memory_store.photos)

    export = client.get("/api/v1/account/export", headers=headers)
    assert export.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    assert archive.read(f"photos/{filename}") == memory_store.photos[filename][0]
