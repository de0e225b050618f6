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
MAX_PIXELS = 40_000_000  # PNG and WebP decode whole: refuses decompression bombs long before memory runs out
# A JPEG decodes at a fraction of its size (Pillow's draft: 1/2, 1/4 or 1/8), so a phone camera's
# 48 or 108 megapixel mode is taken (found from outside: both were refused, the second as "not a
# readable image"); below Pillow's own bomb error at twice its MAX_IMAGE_PIXELS (about 179 million).
MAX_JPEG_PIXELS = 120_000_000


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
            # The pixel limits below are ours; Pillow's error past about 179 million still holds.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                image_format = probe.format
                if image_format not in ACCEPTED_FORMATS:
                    raise ValidationError(
                        "Photo must be a JPEG, PNG or WebP image"
                        f" (this file is {image_format or 'not an image'}).",
                        "photo",
                    )
                limit = MAX_JPEG_PIXELS if image_format == "JPEG" else MAX_PIXELS
                if probe.width * probe.height > limit:
                    raise _too_many_pixels()
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                if image_format == "JPEG":
                    image.draft("RGB", (max_side, max_side))  # decode at the smallest scale still that big
                image.load()
                upright = ImageOps.exif_transpose(image)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError):
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


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        f"Photo has too many pixels (limits: {MAX_JPEG_PIXELS // 1_000_000} megapixels for a JPEG, "
        f"{MAX_PIXELS // 1_000_000} for a PNG or WebP).",
        "photo",
    )


def store_photo(photo: ProcessedPhoto, store: PhotoStore) -> str:
    """Save the photo in the store under a new random name and return that name."""
    name = f"{secrets.token_hex(16)}.{photo.extension}"
    store.save(name, photo.data, photo.content_type)
    return name
