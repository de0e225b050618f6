"""Photo stores the app can run on (a local folder by default), chosen by PHOTO_STORE at start-up."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask, current_app

from app.configuration_error import ConfigurationError
from app.services.issues.photo_store import PhotoNotFound, PhotoStore, check_photo_name
from app.services.issues.reports import PhotoSettings

EXTENSION_KEY = "commonfix.photo_store"


class LocalPhotoStore:
    """Photos as files in one folder (UPLOAD_FOLDER). A save writes a temporary file and renames it,
    so a reader never sees half a photo."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)

    def _path(self, name: str) -> Path:
        return self.folder / check_photo_name(name)

    def save(self, name: str, data: bytes, content_type: str) -> None:
        target = self._path(name)
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, name: str) -> BinaryIO:
        try:
            return self._path(name).open("rb")
        except FileNotFoundError:
            raise PhotoNotFound(name) from None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def writable_problem(self) -> str | None:
        """Found from outside: an unwritable UPLOAD_FOLDER started fine and was "ready", and every
        report with a photo then failed with a 500. A file is written and removed to find out."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, probe = tempfile.mkstemp(dir=self.folder, prefix=".probe-")
            os.close(handle)
            os.unlink(probe)
        except OSError as error:
            return f"UPLOAD_FOLDER {str(self.folder)!r} is not writable ({error.strerror or error})"
        return None


def local_store(config: Mapping[str, Any]) -> PhotoStore:
    return LocalPhotoStore(config["UPLOAD_FOLDER"])


# PHOTO_STORE names one of these; an object store is one more entry here, services stay as they are.
STORES: dict[str, Callable[[Mapping[str, Any]], PhotoStore]] = {"local": local_store}


def init_photo_store(app: Flask) -> None:
    kind = str(app.config.get("PHOTO_STORE") or "local")
    if kind not in STORES:
        raise ConfigurationError(f"PHOTO_STORE must be one of {sorted(STORES)}, not {kind!r}")
    app.extensions[EXTENSION_KEY] = STORES[kind](app.config)


def photo_store() -> PhotoStore:
    """The running app's photo store."""
    store: PhotoStore = current_app.extensions[EXTENSION_KEY]
    return store


def photo_settings() -> PhotoSettings:
    """What services need to take a photo: the store and the size limits."""
    return PhotoSettings.from_config(current_app.config, photo_store())
