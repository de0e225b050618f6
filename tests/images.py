"""Image builders for upload tests: photos carrying GPS EXIF or PNG text chunks, and impostor files."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo

GPS_IFD = 0x8825
SECRET = "Secret Street 42"


def picture(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size, (200, 40, 40, 255) if mode == "RGBA" else (200, 40, 40))
    ImageDraw.Draw(image).rectangle((4, 4, size[0] // 2, size[1] // 2), fill=(20, 90, 200))
    return image


def jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    """A JPEG whose EXIF holds a camera model, a comment and GPS coordinates (tag 0x8825)."""
    exif = Image.Exif()
    exif[0x0110] = "Resident Phone 9"  # Model
    exif[0x010E] = SECRET  # ImageDescription
    if orientation is not None:
        exif[0x0112] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (50.0, 0.0, 18.0), 3: "E", 4: (10.0, 0.0, 18.0), 5: 0, 6: 120.0})
    out = io.BytesIO()
    picture(size).save(out, format="JPEG", exif=exif, quality=90)
    data = out.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries GPS
        assert check.getexif().get_ifd(GPS_IFD)
    return data


def png_with_text(mode: str = "RGBA") -> bytes:
    info = PngInfo()
    info.add_text("Comment", SECRET)
    info.add_itxt("Location", SECRET)
    out = io.BytesIO()
    picture(mode=mode).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def encoded(image_format: str, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    picture(mode=mode).save(out, format=image_format)
    return out.getvalue()
