"""A second PhotoStore, in memory: services and the photo route work on it as on the local folder."""

from __future__ import annotations

import io
from typing import BinaryIO

from app.services.issues.photo_store import PhotoNotFound, check_photo_name


class MemoryPhotoStore:
    def __init__(self) -> None:
        self.photos: dict[str, tuple[bytes, str]] = {}

    def save(self, name: str, data: bytes, content_type: str) -> None:
        self.photos[check_photo_name(name)] = (bytes(data), content_type)

    def open(self, name: str) -> BinaryIO:
        try:
            return io.BytesIO(self.photos[check_photo_name(name)][0])
        except KeyError:
            raise PhotoNotFound(name) from None

    def delete(self, name: str) -> None:
        self.photos.pop(check_photo_name(name), None)

    def exists(self, name: str) -> bool:
        return check_photo_name(name) in self.photos
