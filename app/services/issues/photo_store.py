"""Where photo files live: the PhotoStore interface services use, and the rule every photo name follows."""

from __future__ import annotations

import re
from typing import BinaryIO, Protocol

# Services name photos `<32 hex>.<extension>` (photos.store_photo); a store refuses any other name, so no
# name can climb out of a folder or a bucket prefix.
PHOTO_NAME = re.compile(r"[0-9a-f]{32}\.(?:jpg|png)")


class PhotoNotFound(LookupError):
    """The store holds no photo under this name."""


def check_photo_name(name: str) -> str:
    if not PHOTO_NAME.fullmatch(name):
        raise ValueError(f"not a photo name: {name[:100]!r}")
    return name


class PhotoStore(Protocol):
    """Photo files by name. The database says which photos exist and who may see them; a store only
    keeps bytes. Implementations: app.photo_stores.LocalPhotoStore (UPLOAD_FOLDER, the default); an
    object store (S3 and the like) fits the same five methods."""

    def save(self, name: str, data: bytes, content_type: str) -> None:
        """Store `data` under `name` (a new name: services never overwrite a photo)."""

    def open(self, name: str) -> BinaryIO:
        """The photo's bytes as a binary file the caller closes; PhotoNotFound when absent."""

    def delete(self, name: str) -> None:
        """Remove the photo; removing one that is absent is not an error."""

    def exists(self, name: str) -> bool:
        """Whether the store holds a photo under `name`."""

    def writable_problem(self) -> str | None:
        """Why a photo could not be saved now (None: it could), for the start and the readiness check."""
