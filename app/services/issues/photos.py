"""Photos: checked by content (JPEG, PNG or WebP), re-encoded so metadata such as GPS is dropped."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.services.issues.photo_store import PhotoStore
from app.services.kernel.errors import PayloadTooLarge, ValidationError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # refuses decompression bombs long before they exhaust memory


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def process_photo(raw: bytes, max_bytes: int, max_side: int) -> ProcessedPhoto:
    """Verify the bytes are a real image of an accepted format, then re-encode without metadata."""
    if len(raw) > max_bytes:
        raise PayloadTooLarge(
            f"Photo is {len(raw) / 1_048_576:.1f} MB; the limit is {max_bytes // 1_048_576} MB.",
            "photo",
        )
    if not raw:
        raise ValidationError("Photo is empty.", "photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                image_format = probe.format
                if image_format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        "Photo must be a JPEG, PNG or WebP image"
                        f" (this file is {image_format or 'not an image'}).",
                        "photo",
                    )
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError("Photo has too many pixels (limit 40 megapixels).", "photo")
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise ValidationError(
            "Photo must be a JPEG, PNG or WebP image; this file is not a readable image.", "photo"
        ) from None
    upright.thumbnail((max_side, max_side))
    has_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
    out = io.BytesIO()
    mode = "RGBA" if has_alpha else "RGB"
    converted = upright.convert(mode)
    # Rebuilt from raw pixels: the new image carries no EXIF, XMP, ICC or text chunks at all.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        content_type, extension = "image/png", "png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True)
        content_type, extension = "image/jpeg", "jpg"
    return ProcessedPhoto(out.getvalue(), content_type, extension, clean.width, clean.height)


def store_photo(photo: ProcessedPhoto, store: PhotoStore) -> str:
    """Save the photo in the store under a new random name and return that name."""
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    store.save(name, photo.data, photo.content_type)
    return name
